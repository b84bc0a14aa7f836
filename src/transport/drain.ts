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
 */
import type { Connection, Channel } from 'rabbitmq-client';
import type { Inbound } from './Inbound.js';

/** Drain-then-delete rounds before giving up on a queue that keeps refilling. */
const MAX_ROUNDS = 5;

/** Drains `queue` through `inbound`; resolves to the number of envelopes handed over. */
export async function drainQueue(connection: Connection, queue: string, inbound: Inbound): Promise<number> {
  let taken = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const channel = await connection.acquire();
    try {
      const result = await drainRound(channel, queue, inbound);
      taken += result.taken;
      if (result.missing) return taken;
      await channel.queueDelete({ queue, ifEmpty: true });
      return taken;
    } catch (err) {
      // PRECONDITION_FAILED: a message arrived between the last get and the delete (the channel is
      // closed by the broker); go round again. NOT_FOUND: someone else deleted it meanwhile.
      const code = (err as { code?: string }).code;
      if (code === 'NOT_FOUND') return taken;
      if (code !== 'PRECONDITION_FAILED') throw err;
    } finally {
      if (channel.active) await channel.close().catch(() => undefined);
    }
  }
  return taken;
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
