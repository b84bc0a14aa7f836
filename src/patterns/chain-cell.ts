/**
 * A chain's own cell: one workflow of a `chain()` run straight from its stages, without an XState
 * actor per workflow and a promise actor (with its own actor system, snapshots and abort
 * controller plumbing) per stage. A producer that starts 20,000 workflows at once spent most of
 * its time there (issue 20). `OWN_CELL` (see `actors/own-cell.ts`) decides where it runs; the
 * machine runs everywhere else.
 *
 * It does what the machine does, step for step, through the same functions (`chain-steps.ts`):
 * - `waiting` takes only the first stage's event (a malformed pattern event is a crash, as the
 *   machine's throwing `assign` is); an event no state takes is dead-lettered with
 *   `UNHANDLED_EVENT` when it carries a `replyTo` (every one under `unhandledEvents: 'all'`);
 * - each stage runs with an `AbortSignal` that aborts when the incarnation stops before the
 *   workflow ends (the stages of one workflow share it: the machine gives each its own);
 * - its output becomes the next event, sent to `input.sink`; a failure becomes `chain.failed`,
 *   sent to `input.onFailure`; the workflow then exits normally with the machine's output;
 * - a crash (a sink or failure handler that throws) fails the message being processed and the
 *   asks the workflow took, as an XState worker's crash does.
 * Its snapshot has the machine's `status`, `value`, `context` and `output`. What it has not:
 * a persisted snapshot (`getPersistedSnapshot` is `NOT_SUPPORTED`, as durable and restored runs
 * take the machine).
 */
import { randomUUID } from 'node:crypto';
import { askReplyRef, failInFlight, failUnowed, OwedAsks } from '../actors/owed-asks.js';
import { ASK_FAIL, askTimeoutError } from '../runtime/ask.js';
import type { CellInit } from '../runtime/cell.js';
import type { TimerHandle } from '../runtime/clock.js';
import { toError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import type { ActorRef } from '../runtime/ref.js';
import { ChainSlip, isSlipStep, slipEvent, stepError, type SlipStep } from './chain-slip.js';
import { chainOutput, checkOutput, failureEvent, runStage, stageEvent, stageFailure, stageState, type ChainFailure, type ChainInput, type ChainOutput, type ChainPlan, type NamedAskStage } from './chain-steps.js';
import { assertPatternEvent, eventLogger, type PatternEvent } from './event.js';
import { PatternCell, type PatternSnapshot } from './pattern-cell.js';
import type { EventTarget } from './targets.js';

/** One incarnation's run of the workflow. */
class Run {
  /** Names this run on the slips it sends (reports of another run are ignored). */
  readonly id = randomUUID();
  value = 'waiting';
  status: 'active' | 'done' | 'error' | 'stopped' = 'active';
  events: PatternEvent[] = [];
  failure: ChainFailure | undefined = undefined;
  output: ChainOutput | undefined = undefined;
  error: unknown = undefined;
  /** Aborts the stages' signal when the incarnation stops before the workflow ends. */
  abort: AbortController | undefined = undefined;
  /** Receipts waiting for the work the start event began (see `Cell.receipt`). */
  waiters: (() => void)[] | undefined = undefined;
  /** On a routing slip: the stage whose report comes next, the slip's last stage, reports that came early. */
  slip: { next: number; end: number; early: Map<number, SlipStep>; timer: TimerHandle | undefined } | undefined = undefined;
}

/** What `getSnapshot` gives: the fields of the machine's snapshot that describe a chain. */
export interface ChainSnapshot extends PatternSnapshot {
  context: { sink: EventTarget | undefined; onFailure: EventTarget | undefined; events: PatternEvent[]; failure: ChainFailure | undefined };
  output: ChainOutput | undefined;
  error: unknown;
}

export class ChainCell extends PatternCell {
  private readonly plan: ChainPlan;
  private readonly sink: EventTarget | undefined;
  private readonly onFailure: EventTarget | undefined;
  private live: Run | undefined;
  /** The run of the last incarnation, once it ended. */
  private lastRun: Run | undefined;
  /** The start event while it is being processed (a crash then fails it). */
  private current: ArborEvent | undefined;
  /** Made on the first ask this workflow takes. */
  private owed: OwedAsks | undefined;

  constructor(init: CellInit, plan: ChainPlan) {
    super(init, plan.machine);
    this.plan = plan;
    const input = init.input as ChainInput | undefined;
    this.sink = input?.sink;
    this.onFailure = input?.onFailure;
  }

  getSnapshot(): ChainSnapshot | undefined {
    const run = this.live ?? this.lastRun;
    if (run === undefined) return undefined;
    return {
      status: run.status,
      value: run.value,
      context: { sink: this.sink, onFailure: this.onFailure, events: run.events, failure: run.failure },
      output: run.output,
      error: run.error,
      matches: (value) => run.value === value,
    };
  }

  protected startIncarnation(): void {
    this.incarnation++;
    this.live = new Run();
    this.status = 'running';
    this.changed();
  }

  protected killIncarnation(): void {
    const run = this.live;
    if (run) {
      run.abort?.abort();
      run.status = 'stopped';
      this.detach(run);
      // Asks it owed are left to their timeout, or to the shutdown that stops it (SYSTEM_SHUTDOWN).
      this.owed?.drain();
    }
    this.status = 'suspended';
  }

  protected take(event: ArborEvent): void {
    const run = this.live as Run;
    if (isSlipStep(event)) return this.stepped(run, event);
    if (run.value !== 'waiting' || event.type !== this.plan.stages[0]!.on) return this.refuse(event, run.value);
    const replyTo = event.replyTo === undefined ? undefined : askReplyRef(event);
    if (replyTo) (this.owed ??= new OwedAsks(this.system)).took(replyTo, event);
    this.current = event;
    try {
      assertPatternEvent(event);
    } catch (err) {
      this.crash(run, toError(err));
      return;
    }
    run.events = [event];
    // What the first stage sends synchronously is journalled with this workflow as its sender.
    try {
      this.asSender(() => this.enter(run, 0));
    } finally {
      this.current = undefined;
    }
  }

  /** Runs stage `i` on the last event. */
  private enter(run: Run, i: number): void {
    const stage = this.plan.stages[i]!;
    run.value = stageState(stage);
    if (stage.to !== undefined) return this.sendSlip(run, i, stage.to);
    // One controller per workflow, not per stage as the machine's promise actors have: an
    // AbortSignal costs about 5 µs to make: three were an eighth of what a workflow cost here.
    const abort = (run.abort ??= new AbortController());
    this.changed();
    runStage(stage, run.events[run.events.length - 1]!, abort.signal).then(
      (output) => this.stageDone(run, i, output),
      (error: unknown) => this.stageFailed(run, i, error),
    );
  }

  private stageDone(run: Run, i: number, output: unknown): void {
    if (run !== this.live || run.status !== 'active') return; // a stage of an incarnation that was stopped
    const stage = this.plan.stages[i]!;
    try {
      const emitted = stageEvent(this.plan, stage, run.events[run.events.length - 1]!, output);
      run.events = [...run.events, emitted];
      this.send(this.sink, emitted);
    } catch (err) {
      this.crash(run, toError(err));
      return;
    }
    if (i + 1 < this.plan.stages.length) this.enter(run, i + 1);
    else this.finish(run);
  }

  /**
   * Sends the last event to ask stage `i` with a routing slip for it and the ask stages after it,
   * up to the first that validates (its output is checked here) or the last (see `chain-slip.ts`).
   */
  private sendSlip(run: Run, i: number, to: ActorRef): void {
    const stages = this.plan.stages;
    let end = i;
    while (end + 1 < stages.length && stages[end + 1]!.to !== undefined && stages[end]!.validate === undefined) end++;
    const last = run.events[run.events.length - 1]!;
    const slip = new ChainSlip(this.path, {
      run: run.id,
      i,
      stages: stages.slice(i, end + 1).map((s) => ({ to: (s as NamedAskStage).to.path, emit: s.emit, timeout: (s as NamedAskStage).timeout })),
      cause: { id: last.id, correlationId: last.correlationId, schemaVersion: last.schemaVersion },
      source: this.plan.id,
    }, this.system);
    run.slip = { next: i, end, early: new Map(), timer: undefined };
    this.changed();
    this.armStageTimer(run);
    try {
      this.asSender(() => to.send({ ...last, replyTo: slip }));
    } catch (err) {
      slip[ASK_FAIL](toError(err));
    }
  }

  /** A stage on the slip answered or failed: taken in stage order, each once. */
  private stepped(run: Run | undefined, step: SlipStep): void {
    const slip = run?.slip;
    if (run === undefined || slip === undefined || step.run !== run.id || run.status !== 'active' || step.i < slip.next || step.i > slip.end) {
      // A repeat (a redelivered request answered again), or a report to a run that has ended.
      if (this.plan.logger.isLevelEnabled('debug')) this.plan.logger.debug({ actor: this.path, run: step.run, stage: step.i }, 'chain step report ignored: a repeat, or of a run that ended');
      return;
    }
    slip.early.set(step.i, step);
    for (let now = slip.early.get(slip.next); now !== undefined && run.slip === slip; now = slip.early.get(slip.next)) {
      slip.early.delete(slip.next);
      const i = slip.next++;
      const reply = now.reply;
      if (typeof reply !== 'object' || reply === null || typeof reply.type !== 'string') return this.stageFailed(run, i, stepError(now));
      const stage = this.plan.stages[i]!;
      const last = run.events[run.events.length - 1]!;
      // The same event the stage's node made and passed on (see `slipEvent`).
      const event = slipEvent(stage.emit, reply, last, this.plan.id, typeof now.time === 'number' ? now.time : this.system.clock.now());
      try {
        checkOutput(stage, reply);
      } catch (err) {
        return this.stageFailed(run, i, err);
      }
      try {
        run.events = [...run.events, event];
        if (this.plan.logger.isLevelEnabled('debug')) eventLogger(this.plan.logger, event).debug({ stage: stage.name }, 'chain stage emitted');
        this.send(this.sink, event);
      } catch (err) {
        return this.crash(run, toError(err));
      }
      if (i === slip.end) {
        this.endSlip(run);
        if (i + 1 < this.plan.stages.length) this.asSender(() => this.enter(run, i + 1));
        else this.finish(run);
      } else {
        run.value = stageState(this.plan.stages[i + 1]!);
        this.changed();
        this.armStageTimer(run);
      }
    }
  }

  /** The stage the slip waits for fails unless it answers in its `timeout`, as an ask would. */
  private armStageTimer(run: Run): void {
    const slip = run.slip!;
    const stage = this.plan.stages[slip.next] as NamedAskStage;
    if (slip.timer !== undefined) this.system.clock.clearTimeout(slip.timer);
    slip.timer = this.system.clock.setTimeout(() => {
      if (run.slip !== slip) return;
      this.stageFailed(run, slip.next, askTimeoutError(stage.to.path, stage.on, stage.timeout));
    }, stage.timeout);
  }

  /** The run is off its slip (it ended, failed, or goes on past it): the slip's timer goes. */
  private endSlip(run: Run): void {
    if (run.slip?.timer !== undefined) this.system.clock.clearTimeout(run.slip.timer);
    run.slip = undefined;
  }

  private stageFailed(run: Run, i: number, error: unknown): void {
    if (run !== this.live || run.status !== 'active') return;
    this.endSlip(run);
    try {
      const failure = stageFailure(this.plan.stages[i]!, run.events[run.events.length - 1]!, error);
      run.failure = failure;
      this.send(this.onFailure, failureEvent(this.plan, failure));
    } catch (err) {
      this.crash(run, toError(err));
      return;
    }
    this.finish(run);
  }

  /** Sends with this workflow as the sender (journalled so), as the machine's actions do. */
  private send(target: EventTarget | undefined, event: PatternEvent): void {
    if (target !== undefined) this.asSender(() => target.send(event));
  }

  /** Runs `fn` with this workflow as the sender of whatever it sends. */
  private asSender(fn: () => void): void {
    const system = this.system;
    const outer = system._sender;
    system._sender = this.path;
    try {
      fn();
    } finally {
      system._sender = outer;
    }
  }

  /** The workflow reached `completed` or `failed`: a normal exit with the machine's output. */
  private finish(run: Run): void {
    run.value = run.failure ? 'failed' : 'completed';
    run.status = 'done';
    const output = chainOutput(run.events, run.failure);
    run.output = output;
    this.changed();
    this.detach(run);
    failUnowed(this.system, this.path, this.owed?.drain() ?? []);
    this.exited({ outcome: 'normal', output });
  }

  private crash(run: Run, error: Error): void {
    run.abort?.abort();
    run.status = 'error';
    run.error = error;
    this.detach(run);
    failInFlight(this.system, this.path, error, this.current, this.owed?.drain() ?? []);
    this.current = undefined;
    this.exited({ outcome: 'crash', error });
  }

  /** The incarnation of `run` ended: its snapshot stays readable, and the receipts waiting on its work settle. */
  private detach(run: Run): void {
    run.abort = undefined;
    this.endSlip(run);
    this.lastRun = run;
    this.live = undefined;
    for (const resolve of run.waiters?.splice(0) ?? []) resolve();
  }

  /** The start event's work: the workflow it begins, until the incarnation ends. */
  protected override workMark(): unknown {
    return this.live?.value === 'waiting' ? this.live : undefined;
  }

  protected override workSince(mark: unknown): Promise<void> | undefined {
    const run = mark as Run | undefined;
    if (run === undefined || run !== this.live || run.value === 'waiting') return undefined;
    return new Promise<void>((resolve) => (run.waiters ??= []).push(resolve));
  }
}
