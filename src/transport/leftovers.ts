/**
 * What a cluster leaves on the broker, and when it is removed.
 *
 * Meant to outlive nodes:
 * - a node's queue, while its node is down without having stopped cleanly (a crash): it holds what
 *   was in flight to that node until a peer drains it (`./drain.ts`), which then deletes it;
 * - the dead-letter queue `arbor.<cluster>.dead`: the cluster's record of what could not be
 *   delivered, kept (even empty) until someone redrives or purges it. No node deletes it, so a
 *   node starting while the last one stops never dead-letters into a missing queue;
 * - the cluster's topic exchange, which the dead-letter queue is bound to.
 *
 * Removed when a node stops cleanly: its control queue, whether or not it is the last node
 * (`RabbitmqTransport`'s graceful stop). Removed when the last node of the cluster stops cleanly
 * ({@link removeLeftovers}): its own node queue, the retry tier queues and the retry exchange, and the pool queues it consumed, each only
 * if empty (and, for pools, unused): a queue that still holds messages is never deleted, so
 * nothing is lost. "Last" is read from the broker, not from heartbeats: the presence queue
 * (`membersQueue`, auto-delete, consumed by every live node) is gone once no node consumes it. A
 * peer that stops while others run leaves its queue to them: they drain and delete it on its
 * goodbye.
 */
import type { Connection } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { retryTiers } from './backoff.js';
import type { NormalizedRabbitmqOptions } from './options.js';
import type { Topology } from './topology.js';

/** True when no node consumes the presence queue any more (call after closing this node's consumers). */
export async function isLastNode(connection: Connection, topology: Topology): Promise<boolean> {
  try {
    const ok = await connection.queueDeclare({ queue: topology.membersQueue, passive: true });
    return ok.consumerCount === 0;
  } catch (err) {
    // NOT_FOUND: the broker auto-deleted it with the last consumer.
    if ((err as { code?: string }).code === 'NOT_FOUND') return true;
    throw err;
  }
}

/** Deletes the queues the last node no longer needs; see the module header. Resolves to what it deleted. */
export async function removeLeftovers(
  connection: Connection,
  deps: { topology: Topology; options: NormalizedRabbitmqOptions; node: string; pools: Iterable<string>; logger: Logger },
): Promise<string[]> {
  const { topology: t, options: o } = deps;
  const queues: { queue: string; ifUnused: boolean; ifEmpty?: boolean }[] = [
    { queue: t.nodeQueue(deps.node), ifUnused: false },
    ...[...deps.pools].map((kind) => ({ queue: t.poolQueue(kind), ifUnused: true })),
    ...retryTiers(o.maxAttempts, o.retryBackoff).map((delay) => ({ queue: t.retryQueue(delay), ifUnused: false })),
  ];
  const deleted: string[] = [];
  for (const { queue, ifUnused, ifEmpty = true } of queues) {
    try {
      // `ifEmpty`: a queue holding messages (a requeued delivery, a retry waiting out its delay) stays.
      await connection.queueDelete({ queue, ifEmpty, ifUnused });
      deleted.push(queue);
    } catch (err) {
      deps.logger.debug({ queue, code: (err as { code?: string }).code }, 'queue kept at shutdown (not empty, in use, or gone)');
    }
  }
  try {
    await connection.exchangeDelete({ exchange: t.retryExchange, ifUnused: true });
  } catch (err) {
    deps.logger.debug({ exchange: t.retryExchange, code: (err as { code?: string }).code }, 'retry exchange kept at shutdown');
  }
  return deleted;
}
