/**
 * Failover: emptying a dead node's inbound queue.
 *
 * A node's queue is durable and outlives the node, so the envelopes in flight to it when it died
 * are still there. {@link drainQueue} takes them one by one (`basic.get`) and runs each through
 * the normal inbound path on *this* node (so `host.deliver` here decides: forward to the restarted
 * incarnation, or answer `retry: false` to dead-letter it with a reason), acks it, and finally
 * deletes the queue — but only while it is empty (`ifEmpty`), because peers that have not yet
 * noticed the death may still be sending to it; if it refilled, it is drained again. Once deleted,
 * further sends to the dead node come back to their senders as `UNROUTABLE`, so none disappear.
 *
 * First, though, the queue is unbound from the node's routing key. A message the broker routed to
 * the queue just before a delete, but which reached the queue just after, is confirmed to its
 * publisher and dropped with the queue: no return, no trace (seen: in 32 of 40 trials of
 * publishing every 3 ms during a drain-and-delete, the last message before the returns began was
 * confirmed and lost; with the unbind first, none in 40). After the unbind nothing new is routed
 * here (sends come back `UNROUTABLE` at once), and what was routed before reaches the queue ahead
 * of the drain's own requests, so the drain takes it. Direct sends to a placed child's host rely on
 * this: no owner's window holds them.
 *
 * A queue that still has a consumer is left alone (`live`): its node is not dead but slow (an event
 * loop stalled past three heartbeats looks like silence), and taking its messages would hand them
 * to a node that answers "owner down" and dead-letters them. A process that really died has no
 * consumer: the broker cancels it as soon as the connection drops.
 */
import type { Connection, Channel } from 'rabbitmq-client';
import type { Logger } from 'pino';
import type { Inbound } from './Inbound.js';

/** Drain-then-delete rounds before giving up on a queue that keeps refilling. */
const MAX_ROUNDS = 5;

/** What a drain did: envelopes handed over, and whether it stopped because the queue has a consumer. */
export interface DrainResult {
  taken: number;
  live: boolean;
}

/** The binding that routes a node's messages to its queue. */
export interface QueueBinding {
  exchange: string;
  routingKey: string;
}

/** Drains `queue` through `inbound` unless something still consumes it; `binding` is removed first. */
export async function drainQueue(connection: Connection, queue: string, inbound: Inbound, binding?: QueueBinding): Promise<DrainResult> {
  let taken = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const channel = await connection.acquire();
    try {
      if ((await channel.queueDeclare({ queue, passive: true })).consumerCount > 0) return { taken, live: true };
      if (binding) await channel.queueUnbind({ queue, ...binding });
      const result = await drainRound(channel, queue, inbound);
      taken += result.taken;
      if (result.missing) return { taken, live: false };
      await channel.queueDelete({ queue, ifEmpty: true, ifUnused: true });
      return { taken, live: false };
    } catch (err) {
      // PRECONDITION_FAILED: a message (or a consumer) arrived between the last get and the delete
      // (the channel is closed by the broker); go round again. NOT_FOUND: there is no such queue,
      // or someone else deleted it meanwhile.
      const code = (err as { code?: string }).code;
      if (code === 'NOT_FOUND') return { taken, live: false };
      if (code !== 'PRECONDITION_FAILED') throw err;
    } finally {
      if (channel.active) await channel.close().catch(() => undefined);
    }
  }
  return { taken, live: false };
}

async function drainRound(channel: Channel, queue: string, inbound: Inbound): Promise<{ taken: number; missing: boolean }> {
  let taken = 0;
  for (;;) {
    let msg;
    try {
      msg = await channel.basicGet({ queue });
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND') return { taken, missing: true };
      throw err;
    }
    if (!msg) return { taken, missing: false };
    const { verdict, envelopes } = await inbound.handle(msg, 'drain');
    if (verdict === 'ack') {
      channel.basicAck({ deliveryTag: msg.deliveryTag });
      taken += envelopes;
    } else {
      // Leave it for a later drain (or the node's next incarnation) rather than spin on it.
      channel.basicNack({ deliveryTag: msg.deliveryTag, requeue: true });
      return { taken, missing: false };
    }
  }
}

/**
 * Deletes a dead node's control queue once its node queue is drained. Not drained: what is on it
 * reports to the dead node about children it placed, which died with it. A queue with a consumer
 * (the node restarted under its name) stays.
 */
export async function deleteControlQueue(connection: Connection, queue: string, logger: Logger): Promise<void> {
  try {
    await connection.queueDelete({ queue, ifUnused: true });
  } catch (err) {
    logger.debug({ queue, code: (err as { code?: string }).code }, 'control queue kept (in use again, or gone)');
  }
}
