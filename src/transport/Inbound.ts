/**
 * What happens to one AMQP message taken from a node queue, a pool queue or a drained queue.
 *
 * Each envelope in it is handed to `host.deliver` in order, unless its id was delivered recently
 * (dedup). The host's answer decides its fate:
 * - `{ ok: true }` → done, its id is remembered;
 * - `{ ok: false, retry: true }` → republished with `attempt + 1` through the delay tier for that
 *   attempt, which dead-letters it back to its routing key after the backoff delay; once
 *   `maxAttempts` deliveries have been made it goes to the dead-letter queue instead;
 * - `{ ok: false, retry: false }` → the dead-letter queue at once, with the reason.
 * A `deliver` that throws counts as `retry: true` with `DELIVERY_FAILED`.
 *
 * The AMQP message is acked only after every envelope in it is settled: delivered, or its retry or
 * dead letter confirmed by the broker. If a republish fails the message is requeued whole; the
 * envelopes already delivered are then dropped as duplicates. Bytes that do not decode go to the
 * dead-letter queue as they are, with `x-arbor-code: DECODE_ERROR`; nothing is dropped silently.
 */
import type { Logger } from 'pino';
import { ArborError, toError } from '../runtime/errors.js';
import type { DeliveryResult, Envelope, TransportHost } from '../runtime/transport.js';
import { retryDelay } from './backoff.js';
import { decodeFrame, encodeEnvelope, envelopesOf } from './codec.js';
import type { ConfirmedPublisher, PublishOutcome } from './ConfirmedPublisher.js';
import { deadLetterRequest, type DeadLetterFacts } from './dead-letter.js';
import type { Dedup } from './Dedup.js';
import type { NormalizedRabbitmqOptions } from './options.js';
import type { Topology } from './topology.js';

/** The parts of an AMQP delivery this needs. */
export interface InboundMessage {
  body: unknown;
  routingKey: string;
  redelivered: boolean;
  messageId?: string;
}

/** Where a message was taken from; a drained message that needs a retry is retried here. */
export type InboundSource = 'node' | 'pool' | 'drain';

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

/** Runs the inbound path for one node. */
export class Inbound {
  constructor(private readonly deps: Deps) {}

  /** Handles one AMQP message; never throws. */
  async handle(msg: InboundMessage, source: InboundSource): Promise<InboundVerdict> {
    const bytes = toBytes(msg.body);
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      const error = new ArborError('DECODE_ERROR', `undecodable message: ${decoded.reason}`, { routingKey: msg.routingKey });
      const outcome = await this.deadLetter(bytes, error, { routingKey: msg.routingKey, attempts: 1, messageId: msg.messageId });
      return { verdict: outcome.ok ? 'ack' : 'requeue', envelopes: 0 };
    }
    const envelopes = envelopesOf(decoded.frame);
    if (envelopes.length === 0) {
      this.deps.logger.warn({ routingKey: msg.routingKey, frame: decoded.frame.t }, 'membership frame on a message queue; dropped');
      return { verdict: 'ack', envelopes: 0 };
    }
    const settling: Promise<PublishOutcome>[] = [];
    for (const original of envelopes) {
      // A redelivery means an earlier delivery of this very message was not acked (a consumer
      // died mid-way): that counts as an attempt, though it never reached `host.deliver`'s answer.
      const envelope: Envelope = { ...original, attempt: (original.attempt ?? 0) + (msg.redelivered ? 1 : 0) };
      if (this.deps.dedup.has(envelope.id)) {
        this.deps.logger.debug({ messageId: envelope.id, routingKey: msg.routingKey }, 'duplicate dropped');
        continue;
      }
      const result = await this.deliver(envelope);
      if (result.ok) this.deps.dedup.remember(envelope.id);
      else settling.push(this.fail(envelope, result, msg.routingKey, source));
    }
    const outcomes = await Promise.all(settling);
    return { verdict: outcomes.every((o) => o.ok) ? 'ack' : 'requeue', envelopes: envelopes.length };
  }

  private async deliver(envelope: Envelope): Promise<DeliveryResult> {
    try {
      const result = await this.deps.host.deliver(envelope);
      if (result && typeof result === 'object' && typeof result.ok === 'boolean') return result;
      return { ok: false, retry: false, error: new ArborError('DELIVERY_FAILED', 'host.deliver returned no delivery result', { messageId: envelope.id }) };
    } catch (thrown) {
      const err = toError(thrown);
      return { ok: false, retry: true, error: new ArborError('DELIVERY_FAILED', `host.deliver threw: ${err.message}`, { messageId: envelope.id }, { cause: err }) };
    }
  }

  /** Retries or dead-letters one envelope the host did not take. */
  private async fail(envelope: Envelope, result: Extract<DeliveryResult, { ok: false }>, routingKey: string, source: InboundSource): Promise<PublishOutcome> {
    const { options, topology, host } = this.deps;
    const attempts = (envelope.attempt ?? 0) + 1;
    if (!result.retry || attempts >= options.maxAttempts) {
      const bytes = encodeEnvelope(envelope);
      return this.deadLetter(bytes, result.error, { routingKey, attempts, messageId: envelope.id, correlationId: envelope.correlationId, envelope });
    }
    // A drained envelope came from a dead node's queue, which is about to be deleted: its retry
    // comes back to this node instead.
    const retryKey = source === 'drain' ? topology.envelopeKey(host.node, envelope.kind, envelope.body) : routingKey;
    const delay = retryDelay(attempts, options.retryBackoff);
    const outcome = await this.deps.publisher.publish({
      exchange: topology.retryExchange,
      routingKey: retryKey,
      body: encodeEnvelope({ ...envelope, attempt: attempts }),
      mandatory: true,
      durable: true,
      headers: { 'arbor-delay': delay },
      ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    });
    this.deps.logger.debug({ messageId: envelope.id, correlationId: envelope.correlationId, routingKey, attempt: attempts, delay, code: result.error.code }, 'delivery retry scheduled');
    if (outcome.ok) return outcome;
    // The tier queue is gone or the broker is unreachable: a dead letter beats a hot requeue loop.
    return this.deadLetter(encodeEnvelope(envelope), new ArborError('DELIVERY_FAILED', `retry could not be scheduled: ${outcome.error.message}; last error: ${result.error.message}`), {
      routingKey,
      attempts,
      messageId: envelope.id,
      correlationId: envelope.correlationId,
      envelope,
    });
  }

  private async deadLetter(body: Buffer, error: ArborError, facts: DeadLetterFacts): Promise<PublishOutcome> {
    const { topology, host, logger } = this.deps;
    logger.warn({ routingKey: facts.routingKey, messageId: facts.messageId, correlationId: facts.correlationId, code: error.code, attempts: facts.attempts, reason: error.message }, 'dead-lettered');
    return this.deps.publisher.publish(deadLetterRequest(topology, host.node, body, error, facts, Date.now()));
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
