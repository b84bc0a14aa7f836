/**
 * A gather's own cell: one `scatterGather()` run straight from its steps, without an XState actor
 * per gather and a promise actor per worker asked. A producer gathering for 20,000 workflows at
 * once spent most of its CPU there (issue 20). `OWN_CELL` (see `actors/own-cell.ts`) decides
 * where it runs; the machine runs everywhere else.
 *
 * It does what the machine does, through the same steps (`gather-steps.ts`): at start it asks
 * every worker (a path is looked up when asked; one that names no actor is a `NOT_FOUND`
 * failure), takes replies and failures as they come until the verdict is no longer pending or
 * the deadline (on the system's clock) passes, logs the outcome and exits normally with the
 * machine's output. Asks still out when it ends are left to their timeout, as the machine leaves
 * them. It takes no user event (each is refused as the machine refuses it, see `pattern-cell.ts`);
 * a `validate` that throws is a crash. Its snapshot has the machine's `status`, `value`
 * (`gathering`, `done`), `context` and `output`; it has no persisted snapshot (durable and
 * restored gathers take the machine).
 */
import type { CellInit } from '../runtime/cell.js';
import { toError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import { gatherOutput, initialContext, logOutcome, onAskError, onDeadline, onReply, verdictOf, type GatherContext, type GatherOutput, type GatherPlan, type ScatterGatherInput } from './gather-steps.js';
import { PatternCell, type PatternSnapshot } from './pattern-cell.js';
import { askTargetOn } from './targets.js';

/** What `getSnapshot` gives: the fields of the machine's snapshot that describe a gather. */
export interface GatherSnapshot<TReply> extends PatternSnapshot {
  context: GatherContext<TReply>;
  output: GatherOutput<TReply> | undefined;
  error: unknown;
}

/** One incarnation's gather. */
interface Run<TReply> {
  snapshot: GatherSnapshot<TReply>;
  timer: unknown;
}

export class GatherCell<TReply> extends PatternCell {
  private readonly input: ScatterGatherInput | undefined;
  private live: Run<TReply> | undefined;
  private last: GatherSnapshot<TReply> | undefined;

  constructor(
    init: CellInit,
    private readonly plan: GatherPlan<TReply>,
  ) {
    super(init, plan.machine);
    this.input = init.input as ScatterGatherInput | undefined;
  }

  getSnapshot(): GatherSnapshot<TReply> | undefined {
    return this.live?.snapshot ?? this.last;
  }

  protected take(event: ArborEvent): void {
    this.refuse(event, (this.live as Run<TReply>).snapshot.value);
  }

  protected startIncarnation(): void {
    this.incarnation++;
    const context = initialContext(this.plan, this.input, (ref) => ref);
    const snapshot: GatherSnapshot<TReply> = { status: 'active', value: 'gathering', context, output: undefined, error: undefined, matches: (v) => snapshot.value === v };
    const run: Run<TReply> = { snapshot, timer: undefined };
    this.live = run;
    this.status = 'running';
    const { request } = context;
    const timeout = this.plan.deadline + 1;
    context.workers.forEach((held, i) => {
      let reply: Promise<TReply>;
      try {
        reply = askTargetOn(held, this.system).ask<TReply>(request, { timeout });
      } catch (err) {
        reply = Promise.reject(err);
      }
      reply.then(
        (r) => this.step(run, (c) => onReply(this.plan, c, i, r)),
        (err: unknown) => this.step(run, (c) => onAskError(c, i, err)),
      );
    });
    if (verdictOf(this.plan as GatherPlan<unknown>, context) !== 'pending') return this.finish(run);
    run.timer = this.system.clock.setTimeout(() => this.step(run, (c) => onDeadline(this.plan, c), true), this.plan.deadline);
    this.changed();
  }

  /** Applies one step to the context of `run` (unless it ended); the gather ends when decided, or with `final`. */
  private step(run: Run<TReply>, change: (c: GatherContext<TReply>) => Partial<GatherContext<TReply>>, final = false): void {
    if (run !== this.live) return; // an incarnation that ended
    const s = run.snapshot;
    try {
      s.context = { ...s.context, ...change(s.context) };
    } catch (err) {
      return this.crash(run, toError(err));
    }
    if (final || verdictOf(this.plan as GatherPlan<unknown>, s.context) !== 'pending') this.finish(run);
    else this.changed();
  }

  private finish(run: Run<TReply>): void {
    const s = run.snapshot;
    s.value = 'done';
    let output: GatherOutput<TReply>;
    try {
      logOutcome(this.plan as GatherPlan<unknown>, s.context);
      output = gatherOutput(this.plan, s.context);
    } catch (err) {
      return this.crash(run, toError(err));
    }
    s.status = 'done';
    s.output = output;
    this.changed();
    this.detach(run);
    this.exited({ outcome: 'normal', output });
  }

  private crash(run: Run<TReply>, error: Error): void {
    run.snapshot.status = 'error';
    run.snapshot.error = error;
    this.detach(run);
    this.exited({ outcome: 'crash', error });
  }

  protected killIncarnation(): void {
    const run = this.live;
    if (run) {
      run.snapshot.status = 'stopped';
      this.detach(run);
    }
    this.status = 'suspended';
  }

  private detach(run: Run<TReply>): void {
    this.system.clock.clearTimeout(run.timer);
    this.last = run.snapshot;
    this.live = undefined;
  }
}
