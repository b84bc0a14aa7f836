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
 * answer forwarded again; the chain takes each stage's first report and ignores the rest. A slip
 * forwards only its first answer, as an ask takes only its first reply.
 */
import { ASK_FAIL } from '../runtime/ask.js';
import { ArborError, toError } from '../runtime/errors.js';
import { assertEvent, type ArborEvent } from '../runtime/event.js';
import type { ActorRef, AskOptions } from '../runtime/ref.js';
import { RELAY, type RelayForm } from '../runtime/relay.js';
import { unsupported, type RefSubscription } from '../runtime/ref-features.js';
import { createEvent, type PatternEvent } from './event.js';

/** The relay tag of a chain's slip. */
export const CHAIN_SLIP = 'chain-slip';

/** The event type of a stage's report to its chain. */
export const SLIP_STEP = '$chain.step';

/** A stage on the slip: where its actor is, and what the chain emits for its answer. */
export interface SlipStage {
  to: string;
  emit: string;
}

/** What a slip carries (plain data: it crosses the wire). */
export interface SlipData {
  /** The chain's run the slip belongs to (reports of another run are ignored). */
  run: string;
  /** The index in the chain of the stage that answers this slip (`stages[0]`). */
  i: number;
  /** The stage that answers this slip, then the ones its answer goes on to. */
  stages: SlipStage[];
  /** Of the event the answering stage got: what the emitted event inherits. */
  cause: { id: string; correlationId: string; schemaVersion: number };
  /** The `source` of emitted events (the chain's id). */
  source: string;
}

/** A stage's report to its chain: it answered (`event`, what the chain emits for it) or failed (`error`). */
export interface SlipStep extends ArborEvent {
  type: typeof SLIP_STEP;
  run: string;
  i: number;
  event?: PatternEvent;
  error?: { code?: string; message: string };
}

/** What a slip needs of the system it acts in. */
export interface SlipSystem {
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

export class ChainSlip implements ActorRef {
  readonly id: string;
  readonly [RELAY]: RelayForm;
  private answered = false;

  /** `path` is the chain's: a node without the slip's reviver sends the answer there. */
  constructor(
    readonly path: string,
    private readonly data: SlipData,
    private readonly system: SlipSystem,
  ) {
    this.id = path.slice(path.lastIndexOf('/') + 1);
    this[RELAY] = { tag: CHAIN_SLIP, data };
  }

  /** The stage's answer: goes on to the next stage, and is reported to the chain. */
  send(reply: ArborEvent): void {
    assertEvent(reply);
    if (this.answered) return;
    this.answered = true;
    const { run, i, stages, cause, source } = this.data;
    let emitted: PatternEvent;
    try {
      emitted = createEvent(stages[0]!.emit, reply, { source, correlationId: cause.correlationId, causationId: cause.id, schemaVersion: cause.schemaVersion });
    } catch (err) {
      return this.report({ type: SLIP_STEP, run, i, error: errorForm(err) });
    }
    const next = stages[1];
    if (next !== undefined) this.forward(next, emitted);
    this.report({ type: SLIP_STEP, run, i, event: emitted });
  }

  _send(event: ArborEvent): void {
    this.send(event);
  }

  /** The request was dead-lettered (or its stage crashed on it): the stage failed. */
  [ASK_FAIL](error: Error): void {
    if (this.answered) return;
    this.answered = true;
    this.report({ type: SLIP_STEP, run: this.data.run, i: this.data.i, error: errorForm(error) });
  }

  private forward(next: SlipStage, emitted: PatternEvent): void {
    const { run, i, stages, source } = this.data;
    const slip = new ChainSlip(this.path, { run, i: i + 1, stages: stages.slice(1), cause: { id: emitted.id, correlationId: emitted.correlationId, schemaVersion: emitted.schemaVersion }, source }, this.system);
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

function errorForm(err: unknown): { code?: string; message: string } {
  const e = toError(err);
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? { code, message: e.message } : { message: e.message };
}

/** Rebuilds a slip that arrived from the wire (the reviver `createSystem` registers under {@link CHAIN_SLIP}). */
export function reviveSlip(path: string, data: unknown, system: SlipSystem): ActorRef {
  return new ChainSlip(path, data as SlipData, system);
}
