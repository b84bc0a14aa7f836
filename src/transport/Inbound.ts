/**
 * What happens to one AMQP message taken from a node queue, a pool queue or a drained queue.
 *
 * First the checks that need no runtime, in this order, each failure a dead letter with the
 * message's original bytes and a reason: larger than `maxMessageBytes` → `MESSAGE_TOO_LARGE`
 * (checked before decoding, so a huge frame costs no decode); bytes that do not decode →
 * `DECODE_ERROR`; a user envelope whose body is not an event (see `./wire-checks.ts`) →
 * `INVALID_EVENT`. The rest is handed to `host.deliver` in order, unless its id was delivered
 * recently (dedup). The host's answer decides its fate:
 * - `{ ok: true }` → done, its id is remembered;
 * - `{ ok: false, retry: true }` → republished through the delay tier for that attempt, which
 *   dead-letters it back to its routing key after the backoff delay; once `maxAttempts`
 *   deliveries have been made it goes to the dead-letter queue instead;
 * - `{ ok: false, retry: false }` → the dead-letter queue at once, with the reason.
 * A `deliver` that throws counts as `retry: true` with `DELIVERY_FAILED`.
 *
 * Retries and dead letters carry the envelope's ORIGINAL bytes, never a re-encoding of the
 * decoded body (which the runtime may have turned into live refs); the attempt count travels in
 * the `x-arbor-attempt` header. When the transport itself dead-letters a user envelope (invalid,
 * or out of attempts), `host.inboundDeadLettered` is told, so an ask waiting for its reply fails now.
 *
 * Pipelining: handing envelopes to the host is chained, one message after the other in arrival
 * order (per-sender order); everything that waits on the broker (retry and dead-letter confirms)
 * runs beside that chain and only holds back its own message's ack. So junk being dead-lettered
 * never delays good traffic behind it (the node consumer runs `prefetch` messages concurrently).
 * A message that finds its chain idle is handed over at once, on the consumer's stack, and the
 * envelopes of a batch follow each other there while the host answers at once: the envelopes of
 * one AMQP message reach their mailboxes in one turn, so what their processing sends (replies to
 * one asker, say) leaves together instead of one turn apart.
 *
 * The AMQP message is acked only after every envelope in it is settled: processed (the host's
 * `done`, see `DeliveryResult`; a message only taken into a mailbox is not settled, so a node
 * killed with work queued leaves it on the broker for the survivors' drain), or its retry or dead
 * letter confirmed by the broker. If a republish fails the message is requeued whole; the
 * envelopes already delivered are then dropped as duplicates. Nothing is dropped silently.
 */
import type { Logger } from 'pino';
import { ArborError, toError } from '../runtime/errors.js';
import type { DeliveryResult, Envelope, TransportHost } from '../runtime/transport.js';
import { retryDelay } from './backoff.js';
import { decodeFrame, framedEnvelopes } from './codec.js';
import type { FramedEnvelope } from './codec.js';
import type { ConfirmedPublisher, PublishOutcome } from './ConfirmedPublisher.js';
import { deadLetterRequest, type DeadLetterFacts } from './dead-letter.js';
import type { Dedup } from './Dedup.js';
import type { NormalizedRabbitmqOptions } from './options.js';
import type { Topology } from './topology.js';
import { invalidBody } from './wire-checks.js';

const SETTLED = (): PublishOutcome => ({ ok: true });
const givenBack = (err: unknown): PublishOutcome => ({ ok: false, error: err instanceof ArborError ? err : new ArborError('DELIVERY_FAILED', toError(err).message) });

/** Header carrying the delivery attempts an envelope has had (its bytes are never rewritten). */
export const ATTEMPT_HEADER = 'x-arbor-attempt';

/** The parts of an AMQP delivery this needs. */
export interface InboundMessage {
  body: unknown;
  routingKey: string;
  redelivered: boolean;
  messageId?: string;
  headers?: Record<string, unknown>;
}

/** Where a message was taken from; a drained message that needs a retry is retried here. */
export type InboundSource = 'node' | 'control' | 'pool' | 'drain' | 'singleton';

/** What to tell the broker about the AMQP message, and how many envelopes it carried. */
export interface InboundVerdict {
  verdict: 'ack' | 'requeue';
  envelopes: number;
}

interface Deps {
  host: TransportHost;
  logger: Logger;
  dedup: Dedup;
  options: NormalizedRabbitmqOptions;
  topology: Topology;
  publisher: ConfirmedPublisher;
}

/** Where a dead letter came from, for its headers. */

/** An envelope on its way in: the decoded form (attempt counted) and the bytes it came as. */
interface Arrival extends FramedEnvelope {
  envelope: Envelope;
}

/** Runs the inbound path for one node. */
export class Inbound {
  /** The end of each chain of hand-overs to the host, in arrival order: one per queue consumed in order. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: Deps) {}

  /**
   * Handles one AMQP message; never throws. Everything before the first `await` runs at once, so
   * messages are chained in the order their handlers were called.
   */
  handle(msg: InboundMessage, source: InboundSource): Promise<InboundVerdict> {
    return this.receive(msg, source).take();
  }

  /**
   * Reads a message (decoding it) without handing anything over yet: how many envelopes it carries
   * (a pool consumer counts its prefetch in them, and may give a message back untaken; anything
   * that is not one or more envelopes weighs 1), and `take`, which runs {@link handle}'s path.
   */
  receive(msg: InboundMessage, source: InboundSource): { weight: number; take(): Promise<InboundVerdict> } {
    const bytes = toBytes(msg.body);
    const { maxMessageBytes } = this.deps.options;
    const first = { routingKey: msg.routingKey, attempts: 1, messageId: msg.messageId };
    if (bytes.length > maxMessageBytes) {
      const error = new ArborError('MESSAGE_TOO_LARGE', `message of ${bytes.length} bytes is over maxMessageBytes ${maxMessageBytes}; not decoded`, { routingKey: msg.routingKey, bytes: bytes.length, maxMessageBytes });
      return { weight: 1, take: () => this.settle([this.deadLetter(bytes, error, first)], 0) };
    }
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      const error = new ArborError('DECODE_ERROR', `undecodable message: ${decoded.reason}`, { routingKey: msg.routingKey });
      return { weight: 1, take: () => this.settle([this.deadLetter(bytes, error, first)], 0) };
    }
    const framed = framedEnvelopes(decoded.frame, bytes);
    if (framed.length === 0) {
      return {
        weight: 1,
        take: () => {
          this.deps.logger.warn({ routingKey: msg.routingKey, frame: decoded.frame.t }, 'membership frame on a message queue; dropped');
          return Promise.resolve({ verdict: 'ack', envelopes: 0 });
        },
      };
    }
    return { weight: framed.length, take: () => this.takeFramed(msg, framed, source) };
  }

  /** Checks each envelope of a message and hands the valid ones over. Everything before the first `await` runs at once. */
  private takeFramed(msg: InboundMessage, framed: FramedEnvelope[], source: InboundSource): Promise<InboundVerdict> {
    const settling: Promise<PublishOutcome>[] = [];
    const arrivals: Arrival[] = [];
    const previous = attemptsOf(msg.headers);
    for (const { envelope: original, bytes: own } of framed) {
      // A redelivery means an earlier delivery of this very message was not acked (a consumer
      // died mid-way, or a pool member gave it back): that counts as an attempt, though it never
      // reached `host.deliver`'s answer.
      const envelope: Envelope = { ...original, attempt: Math.max(original.attempt ?? 0, previous) + (msg.redelivered ? 1 : 0) };
      const invalid = invalidBody(envelope);
      if (invalid === undefined) arrivals.push({ envelope, bytes: own });
      else settling.push(this.refuse({ envelope, bytes: own }, new ArborError('INVALID_EVENT', `invalid event from the wire: ${invalid}`, { path: envelope.to, messageId: envelope.id }), msg.routingKey));
    }
    if (arrivals.length > 0) {
      // Pool messages are unordered and worked concurrently: no chain for them.
      // A singleton's queue has its own chain: its takeover (store round trips) holds up no other queue.
      // The control queue has its own chain too: nothing on the node queue holds up a report.
      const chainKey = source === 'singleton' ? msg.routingKey : source === 'control' ? 'control' : 'node';
      const handOver = source === 'pool' ? this.handOver(arrivals, msg.routingKey, source) : this.chain(chainKey, () => this.handOver(arrivals, msg.routingKey, source));
      settling.push(handOver instanceof Promise ? handOver.then(combine) : combine(handOver));
    }
    return this.settle(settling, framed.length);
  }

  /**
   * Runs `fn` after everything chained before it; a failure does not break the chain. When nothing
   * is chained under `key` it runs at once, on the caller's stack: a message that arrives while
   * the chain is idle is handed over without a promise step (and one whose hand-over finishes at
   * once leaves no chain behind).
   */
  private chain<T>(key: string, fn: () => T | Promise<T>): T | Promise<T> {
    const tail = this.tails.get(key);
    let run: T | Promise<T>;
    if (tail === undefined) {
      try {
        run = fn();
      } catch (err) {
        run = Promise.reject(err as Error);
      }
      if (!(run instanceof Promise)) return run;
    } else run = tail.then(fn);
    const end: Promise<unknown> = run.then(
      () => this.release(key, end),
      () => this.release(key, end),
    );
    this.tails.set(key, end);
    return run;
  }

  /** The chain under `key` ran to `end`: nothing is chained any more unless something came after it. */
  private release(key: string, end: Promise<unknown>): void {
    if (this.tails.get(key) === end) this.tails.delete(key);
  }

  private async settle(settling: Promise<PublishOutcome>[], envelopes: number): Promise<InboundVerdict> {
    const outcomes = await Promise.all(settling);
    return { verdict: outcomes.every((o) => o.ok) ? 'ack' : 'requeue', envelopes };
  }

  /**
   * Hands `arrivals` to the host one by one, from `from` on; to the settling of the ones it did
   * not take (without waiting for them). An arrival is handed over only once the host answered for
   * the one before it; a host that answers at once (a mailbox took it) has the next one on the same
   * stack, so the envelopes of one message reach their mailboxes in one turn and what their
   * processing sends leaves together.
   */
  private handOver(
    arrivals: Arrival[],
    routingKey: string,
    source: InboundSource,
    from = 0,
    settling: Promise<PublishOutcome>[] = [],
  ): Promise<PublishOutcome>[] | Promise<Promise<PublishOutcome>[]> {
    for (let i = from; i < arrivals.length; i++) {
      const arrival = arrivals[i] as Arrival;
      const { envelope } = arrival;
      // A singleton's messages are deduplicated by the durable actor (its committed ids), not here:
      // one this node gave back when it lost the singleton may come back to it later, and must run.
      const dedup = source !== 'singleton';
      if (dedup && this.deps.dedup.has(envelope.id)) {
        this.deps.logger.debug({ messageId: envelope.id, routingKey }, 'duplicate dropped');
        continue;
      }
      const result = this.deliver(envelope);
      if (result instanceof Promise) {
        return result.then((answer) => {
          this.taken(arrival, answer, routingKey, source, settling);
          return this.handOver(arrivals, routingKey, source, i + 1, settling);
        });
      }
      this.taken(arrival, result, routingKey, source, settling);
    }
    return settling;
  }

  /** The host answered for `arrival`: what settles it goes on `settling`. */
  private taken(arrival: Arrival, result: DeliveryResult, routingKey: string, source: InboundSource, settling: Promise<PublishOutcome>[]): void {
    const dedup = source !== 'singleton';
    if (result.ok) {
      if (dedup) this.deps.dedup.remember(arrival.envelope.id);
      // --- reliab (issue 10 point 2): ack after processing. The hand-over chain goes on at once
      // (per-sender order is the order of hand-overs); only this message's ack waits for `done`.
      // A drain takes a dead node's queue one message at a time and then deletes it: waiting
      // there would hold the whole drain behind one busy actor, so a drained message is settled
      // once taken (as before).
      // A singleton's message whose `done` rejects was not processed here (the node lost the
      // singleton): it goes back to the queue, for the node that runs it now.
      if (result.done !== undefined && source === 'singleton') settling.push(result.done.then(SETTLED, givenBack));
      else if (result.done !== undefined && source !== 'drain') settling.push(result.done.then(SETTLED, SETTLED));
      // --- end reliab
    } else settling.push(this.fail(arrival, result, routingKey, source));
  }

  /** Dead-letters an envelope the transport refuses by itself, and tells the host (its ask fails now). */
  private refuse(arrival: Arrival, error: ArborError, routingKey: string): Promise<PublishOutcome> {
    const { envelope } = arrival;
    const attempts = (envelope.attempt ?? 0) + 1;
    this.tellDeadLettered(envelope, error);
    return this.deadLetter(arrival.bytes, error, { routingKey, attempts, messageId: envelope.id, correlationId: envelope.correlationId, envelope });
  }

  private tellDeadLettered(envelope: Envelope, error: ArborError): void {
    try {
      this.deps.host.inboundDeadLettered?.(envelope, error);
    } catch (err) {
      this.deps.logger.warn({ messageId: envelope.id, err: toError(err).message }, 'host.inboundDeadLettered threw');
    }
  }

  /** The host's answer for `envelope`: at once when the host gave it at once, else a promise of it. Never throws or rejects. */
  private deliver(envelope: Envelope): DeliveryResult | Promise<DeliveryResult> {
    let answer: DeliveryResult | Promise<DeliveryResult>;
    try {
      answer = this.deps.host.deliver(envelope);
    } catch (thrown) {
      return threw(thrown, envelope);
    }
    if (answer instanceof Promise) return answer.then((result) => checked(result, envelope), (thrown: unknown) => threw(thrown, envelope));
    return checked(answer, envelope);
  }

  /** Retries or dead-letters one envelope the host did not take. */
  private async fail(arrival: Arrival, result: Extract<DeliveryResult, { ok: false }>, routingKey: string, source: InboundSource): Promise<PublishOutcome> {
    const { options, topology, host } = this.deps;
    const { envelope } = arrival;
    const attempts = (envelope.attempt ?? 0) + 1;
    const facts = { routingKey, attempts, messageId: envelope.id, correlationId: envelope.correlationId, envelope };
    // The host answered `retry: false` itself (and failed what waits on it); out of attempts is ours to tell.
    if (!result.retry) return this.deadLetter(arrival.bytes, result.error, facts);
    if (attempts >= options.maxAttempts) return this.refuse(arrival, result.error, routingKey);
    // A drained envelope came from a dead node's queue, which is about to be deleted: its retry
    // comes back to this node instead.
    const retryKey = source === 'drain' ? topology.envelopeKey(host.node, envelope.kind, envelope.body) : routingKey;
    const delay = retryDelay(attempts, options.retryBackoff);
    const outcome = await this.deps.publisher.publish({
      exchange: topology.retryExchange,
      routingKey: retryKey,
      body: asBuffer(arrival.bytes),
      mandatory: true,
      durable: true,
      headers: { 'arbor-delay': delay, [ATTEMPT_HEADER]: attempts },
      ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    });
    this.deps.logger.debug({ messageId: envelope.id, correlationId: envelope.correlationId, routingKey, attempt: attempts, delay, code: result.error.code }, 'delivery retry scheduled');
    if (outcome.ok) return outcome;
    // The tier queue is gone or the broker is unreachable: a dead letter beats a hot requeue loop.
    return this.refuse(arrival, new ArborError('DELIVERY_FAILED', `retry could not be scheduled: ${outcome.error.message}; last error: ${result.error.message}`), routingKey);
  }

  /** Publishes a dead letter with the bytes it came as (never a re-encoded body) and its reason in headers. */
  private deadLetter(body: Uint8Array, error: ArborError, facts: DeadLetterFacts): Promise<PublishOutcome> {
    const { topology, host, logger } = this.deps;
    logger.warn({ routingKey: facts.routingKey, messageId: facts.messageId, correlationId: facts.correlationId, code: error.code, attempts: facts.attempts, reason: error.message }, 'dead-lettered');
    const request = deadLetterRequest(topology, host.node, asBuffer(body), error, facts, Date.now());
    return this.deps.publisher.publish({ ...request, headers: { ...request.headers, [ATTEMPT_HEADER]: facts.attempts } });
  }
}

/**
 * The raw bytes of a delivery. rabbitmq-client parses `application/json` and `text/plain` bodies
 * itself; a foreign publisher using those types still gets its bytes (re-serialised) dead-lettered.
 */
function toBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  try {
    return Buffer.from(JSON.stringify(body) ?? '', 'utf8');
  } catch {
    return Buffer.alloc(0);
  }
}

/** A Buffer over the same memory (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The attempts recorded on a retried message (0 when none or unreadable). */
function attemptsOf(headers: Record<string, unknown> | undefined): number {
  const n = headers?.[ATTEMPT_HEADER];
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 1000 ? n : 0;
}

/** A host's answer, or a failure when it is not one. */
function checked(result: DeliveryResult, envelope: Envelope): DeliveryResult {
  if (result && typeof result === 'object' && typeof result.ok === 'boolean') return result;
  return { ok: false, retry: false, error: new ArborError('DELIVERY_FAILED', 'host.deliver returned no delivery result', { messageId: envelope.id }) };
}

/** A host that threw: worth a retry. */
function threw(thrown: unknown, envelope: Envelope): DeliveryResult {
  const err = toError(thrown);
  return { ok: false, retry: true, error: new ArborError('DELIVERY_FAILED', `host.deliver threw: ${err.message}`, { messageId: envelope.id }, { cause: err }) };
}

/** One outcome for several: ok only when all are. */
async function combine(outcomes: Promise<PublishOutcome>[]): Promise<PublishOutcome> {
  const settled = await Promise.all(outcomes);
  return settled.find((o) => !o.ok) ?? { ok: true };
}
