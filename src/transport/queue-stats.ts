/**
 * Broker-side queue depths by passive declares: one channel, one `queue.declare(passive)` per
 * queue. A passive declare reports ready messages and consumers, not unacknowledged ones (those
 * need the management API, which a broker may not have). A queue that does not exist closes the
 * channel with NOT_FOUND; it is left out and a fresh channel is taken for the rest.
 */
import type { Channel, Connection } from 'rabbitmq-client';
import type { QueueStats } from '../runtime/transport.js';

export async function passiveStats(connection: Connection, queues: readonly { queue: string; role: QueueStats['role'] }[]): Promise<QueueStats[]> {
  const out: QueueStats[] = [];
  let channel: Channel | undefined;
  try {
    for (const { queue, role } of queues) {
      channel ??= await connection.acquire();
      try {
        const ok = await channel.queueDeclare({ queue, passive: true });
        out.push({ queue, role, messages: ok.messageCount, consumers: ok.consumerCount });
      } catch (err) {
        if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
        channel = undefined;
      }
    }
  } finally {
    if (channel?.active) await channel.close().catch(() => undefined);
  }
  return out;
}
