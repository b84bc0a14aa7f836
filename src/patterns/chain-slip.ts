/**
 * A chain's routing slip: the `replyTo` a chain's own cell gives to a run of consecutive ask
 * stages (`{ on, emit, to }`). It is a relay (`runtime/relay.ts`): it crosses the wire as data
 * and acts on the node of the stage that answers it. There, the answer becomes the event the
 * chain emits for that stage (same correlation id, caused by the event the stage got), which goes
 * straight on to the next stage's actor with the rest of the slip as its `replyTo`. So three
 * stages on three nodes take four broker hops (chain → 1 → 2 → 3 → chain), not six (each stage
 * there and back).
 *
 * Every answered stage is also reported to the chain (`$chain.step`, off the critical path): the
 * chain keeps its events in order, sends each to its sink, validates, and times each stage out as
 * an ask would. A request dead-lettered on the way (no such actor, an unhandled event, a crash
 * while processing it) reports the stage failed, as it fails an ask.
 *
 * At least once, as the rest of the runtime: a redelivered request is answered again and its
 * answer forwarded again; the chain takes each stage's first report and ignores the rest. The
 * event made from an answer has an id derived from its cause and type (`<cause id>><type>`), so
 * the copies a redelivery makes downstream carry the same ids and `idempotent()` stages drop them.
 * A slip forwards only its first answer, as an ask takes only its first reply, and not one that
 * comes after the stage's `timeout`, counted on the answering node's own clock from when the slip
 * reached it (no two nodes' clocks are compared; the broker's transit is not counted, so this is
 * never stricter than the chain's own timer): the chain has failed that stage with `ASK_TIMEOUT`
 * by then, so the late answer is dead-lettered where it was given and the stages after it do not
 * run.
 *
 * Its data comes off the wire: a slip whose data is not well-formed is not rebuilt (the node gets
 * a plain ref to the chain, and logs it), so a malformed message cannot crash the actor that
 * answers it.
 */
import type { Logger } from 'pino';
import { ASK_FAIL } from '../runtime/ask.js';
import type { Clock } from '../runtime/clock.js';
import { ArborError, toError } from '../runtime/errors.js';
import { assertEvent, type ArborEvent } from '../runtime/event.js';
import { SCHEME } from '../runtime/paths.js';
import type { ActorRef, AskOptions } from '../runtime/ref.js';
import { RELAY, type RelayForm } from '../runtime/relay.js';
import { unsupported, type RefSubscription } from '../runtime/ref-features.js';
import type { PatternEvent } from './event.js';

/** The relay tag of a chain's slip. */
export const CHAIN_SLIP = 'chain-slip';

/** The event type of a stage's report to its chain. */
export const SLIP_STEP = '$chain.step';

/** A stage on the slip: where its actor is, what the chain emits for its answer, how long it may take (ms). */
export interface SlipStage {
  to: string;
  emit: string;
  timeout: number;
}

/** What the event a stage answers inherits from the event it got. */
export interface SlipCause {
  id: string;
  correlationId: string;
  schemaVersion: number;
}

/** What a slip carries (plain data: it crosses the wire). */
export interface SlipData {
  /** The chain's run the slip belongs to (reports of another run are ignored). */
  run: string;
  /** The index in the chain of the stage that answers this slip (`stages[0]`). */
  i: number;
  /** The stage that answers this slip, then the ones its answer goes on to. */
  stages: SlipStage[];
  cause: SlipCause;
  /** The `source` of emitted events (the chain's id). */
  source: string;
}

/** A stage's report to its chain: its answer (and when it was given), or why it failed. */
export interface SlipStep extends ArborEvent {
  type: typeof SLIP_STEP;
  run: string;
  i: number;
  reply?: ArborEvent;
  time?: number;
  error?: { code?: string; message: string };
}

/** What a slip needs of the system it acts in. */
export interface SlipSystem {
  readonly clock: Clock;
  readonly logger: Logger;
  lookup(path: string): ActorRef | undefined;
  deadLetter(recipient: string, event: unknown, reason: ArborError): void;
}

/** True when `event` is a stage's report to a chain. */
export function isSlipStep(event: ArborEvent): event is SlipStep {
  return event.type === SLIP_STEP && typeof event.run === 'string' && typeof event.i === 'number';
}

/** The error a failed step reports, rebuilt. */
export function stepError(step: SlipStep): Error {
  const e = step.error ?? { message: 'stage failed' };
  return typeof e.code === 'string' ? new ArborError(e.code as never, e.message) : new Error(e.message);
}

/**
 * The event a chain emits for a stage's answer: `emit` with the answer as `data`, caused by the
 * event the stage got. Its id is derived (`<cause id>><emit>`): made where the stage answered and
 * again where the chain takes the report, the two are the same event, and a copy made by a
 * redelivery has the same id.
 */
export function slipEvent(emit: string, reply: ArborEvent, cause: SlipCause, source: string, time: number): PatternEvent {
  return { type: emit, id: `${cause.id}>${emit}`, source, time, correlationId: cause.correlationId, causationId: cause.id, schemaVersion: cause.schemaVersion, data: reply };
}

export class ChainSlip implements ActorRef {
  readonly id: string;
  readonly [RELAY]: RelayForm;
  private answered = false;
  /** When the slip reached this node (made here, or rebuilt from the wire), on this node's clock. */
  private readonly since: number;

  /** `path` is the chain's: a node without the slip's reviver sends the answer there. */
  constructor(
    readonly path: string,
    private readonly data: SlipData,
    private readonly system: SlipSystem,
  ) {
    this.id = path.slice(path.lastIndexOf('/') + 1);
    this[RELAY] = { tag: CHAIN_SLIP, data };
    this.since = system.clock.now();
  }

  /** True once answered or failed (what an ask owed to the slip needs no longer). */
  get settled(): boolean {
    return this.answered;
  }

  /** The stage's answer: goes on to the next stage, and is reported to the chain. */
  send(reply: ArborEvent): void {
    assertEvent(reply);
    if (this.answered) return;
    this.answered = true;
    const { run, i, stages, cause, source } = this.data;
    const here = stages[0]!;
    const now = this.system.clock.now();
    if (now - this.since > here.timeout) {
      const late = new ArborError('ASK_TIMEOUT', `answered ${now - this.since} ms after its request came, over its chain stage's ${here.timeout} ms: not passed on`, { path: this.path, stage: i });
      return this.system.deadLetter(this.path, reply, late);
    }
    const next = stages[1];
    if (next !== undefined) this.forward(next, slipEvent(here.emit, reply, cause, source, now));
    this.report({ type: SLIP_STEP, run, i, reply, time: now });
  }

  _send(event: ArborEvent): void {
    this.send(event);
  }

  /** The request was dead-lettered (or its stage crashed on it): the stage failed. */
  [ASK_FAIL](error: Error): void {
    if (this.answered) return;
    this.answered = true;
    const code = (error as { code?: unknown }).code;
    this.report({ type: SLIP_STEP, run: this.data.run, i: this.data.i, error: typeof code === 'string' ? { code, message: error.message } : { message: error.message } });
  }

  private forward(next: SlipStage, emitted: PatternEvent): void {
    const { run, i, stages, source } = this.data;
    const cause = { id: emitted.id, correlationId: emitted.correlationId, schemaVersion: emitted.schemaVersion };
    const slip = new ChainSlip(this.path, { run, i: i + 1, stages: stages.slice(1), cause, source }, this.system);
    const target = this.system.lookup(next.to);
    if (target === undefined) return slip[ASK_FAIL](new ArborError('NOT_FOUND', `no actor at ${next.to}`, { path: next.to }));
    try {
      target.send({ ...emitted, replyTo: slip });
    } catch (err) {
      slip[ASK_FAIL](toError(err));
    }
  }

  private report(step: SlipStep): void {
    const chain = this.system.lookup(this.path);
    if (chain === undefined) this.system.deadLetter(this.path, step, new ArborError('NOT_FOUND', `no chain at ${this.path}`, { path: this.path }));
    else chain.send(step);
  }

  ask<TReply = ArborEvent>(_event: ArborEvent, _options?: AskOptions): Promise<TReply> {
    return Promise.reject(unsupported('ask', this.path, 'a routing slip only takes an answer'));
  }

  result(): Promise<unknown> {
    return Promise.reject(unsupported('result', this.path, 'a routing slip only takes an answer'));
  }

  getSnapshot(): unknown {
    return undefined;
  }

  subscribe(_observer?: unknown, _error?: unknown, _complete?: unknown): RefSubscription {
    throw unsupported('subscribe', this.path, 'a routing slip only takes an answer');
  }

  on(_type?: string, _handler?: unknown): RefSubscription {
    throw unsupported('on', this.path, 'a routing slip only takes an answer');
  }

  getPersistedSnapshot(): unknown {
    throw unsupported('getPersistedSnapshot', this.path, 'a routing slip only takes an answer');
  }

  toJSON(): { path: string } {
    return { path: this.path };
  }

  toString(): string {
    return this.path;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** True when `data` is a slip's data, well-formed (it comes off the wire). */
export function isSlipData(data: unknown): data is SlipData {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Partial<SlipData>;
  const cause = d.cause as Partial<SlipCause> | undefined;
  return (
    isString(d.run) &&
    Number.isInteger(d.i) &&
    (d.i as number) >= 0 &&
    isString(d.source) &&
    typeof cause === 'object' &&
    cause !== null &&
    isString(cause.id) &&
    isString(cause.correlationId) &&
    Number.isInteger(cause.schemaVersion) &&
    Array.isArray(d.stages) &&
    d.stages.length > 0 &&
    d.stages.every((s: unknown) => {
      const stage = s as Partial<SlipStage> | null;
      return typeof stage === 'object' && stage !== null && isString(stage.to) && stage.to.startsWith(SCHEME) && isString(stage.emit) && isNumber(stage.timeout) && stage.timeout > 0;
    })
  );
}

/**
 * Rebuilds a slip that arrived from the wire (the reviver `createSystem` registers under
 * {@link CHAIN_SLIP}); `undefined` for data that is not a slip's (the node then makes a plain ref).
 */
export function reviveSlip(path: string, data: unknown, system: SlipSystem): ActorRef | undefined {
  return isSlipData(data) ? new ChainSlip(path, data, system) : undefined;
}
