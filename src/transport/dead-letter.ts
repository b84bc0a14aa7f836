/**
 * One message on the cluster's dead-letter queue (`arbor.<cluster>.dead`): the envelope as it was
 * (an `'env'` frame, or the raw bytes of one that did not decode) and AMQP headers saying why and
 * where it was going, so `arbor dlq` can list, filter and redrive it without decoding the body:
 *
 * - `x-arbor-code`, `x-arbor-reason`: the error's code and message;
 * - `x-arbor-routing-key`: the key to publish it with again (its recipient's node or pool);
 * - `x-arbor-to`, `x-arbor-event-type`, `x-arbor-message-id`: recipient, event type, envelope id;
 * - `x-arbor-node`: the node that gave up on it; `x-arbor-attempts`: deliveries made;
 * - `x-arbor-failed-at`: when (ms since the epoch, this dead-lettering); `x-arbor-first-failed-at`:
 *   when it was first dead-lettered, carried through redrives in the envelope's headers.
 */
import type { ArborError } from '../runtime/errors.js';
import { nodeOfPath, POOL_TARGET, singletonIdOf } from '../runtime/paths.js';
import type { Envelope } from '../runtime/transport.js';
import type { PublishRequest } from './ConfirmedPublisher.js';
import type { Topology } from './topology.js';

/** Envelope headers a redrive sets (the envelope keeps them through further failures). */
export const REDRIVE_HEADERS = {
  /** The id of the envelope as it was dead-lettered the first time. */
  originalId: 'arbor-original-id',
  /** How many times it was redriven. */
  redrives: 'arbor-redrives',
  /** When it was first dead-lettered (ms since the epoch). */
  firstFailedAt: 'arbor-first-failed-at',
} as const;

/** What is known about a dead letter besides its body and reason. */
export interface DeadLetterFacts {
  routingKey: string;
  attempts: number;
  messageId?: string | undefined;
  correlationId?: string | undefined;
  /** The envelope, when it decoded. */
  envelope?: Envelope | undefined;
}

/** The publish that puts one dead letter on the cluster's dead-letter queue. */
export function deadLetterRequest(topology: Topology, node: string, body: Buffer, error: ArborError, facts: DeadLetterFacts, now: number): PublishRequest {
  const envelope = facts.envelope;
  const type = envelope?.kind === 'user' ? (envelope.body as { type?: unknown } | null)?.type : undefined;
  const first = Number(envelope?.headers?.[REDRIVE_HEADERS.firstFailedAt]);
  return {
    exchange: topology.exchange,
    routingKey: topology.deadKey(node),
    body,
    mandatory: true,
    durable: true,
    headers: {
      'x-arbor-reason': error.message,
      'x-arbor-code': error.code,
      'x-arbor-attempts': facts.attempts,
      'x-arbor-routing-key': facts.routingKey,
      'x-arbor-node': node,
      'x-arbor-failed-at': now,
      'x-arbor-first-failed-at': Number.isFinite(first) && first > 0 ? first : now,
      ...(facts.messageId ? { 'x-arbor-message-id': facts.messageId } : {}),
      ...(envelope ? { 'x-arbor-to': envelope.to } : {}),
      ...(typeof type === 'string' ? { 'x-arbor-event-type': type } : {}),
    },
    ...(facts.correlationId ? { correlationId: facts.correlationId } : {}),
  };
}

/** The routing key that brings a user envelope back to its recipient: its pool, or the node that owns its path. */
export function recipientKey(topology: Topology, envelope: Envelope, fallbackNode: string): string {
  if (envelope.to.startsWith(POOL_TARGET + '/')) return topology.poolKey(envelope.to.slice(POOL_TARGET.length + 1));
  // A singleton's messages go back to its queue, whichever node runs it now.
  const singleton = singletonIdOf(envelope.to);
  if (singleton !== undefined) return topology.singletonKey(singleton);
  return topology.envelopeKey(nodeOfPath(envelope.to) ?? fallbackNode, envelope.kind, envelope.body);
}
