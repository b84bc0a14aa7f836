/**
 * When a BatchAckConsumer tells the broker: with an ack delay (the node and control queues), a few
 * settled deliveries wait up to ACK_DELAY_MS to go out with later ones; a requeue, or `spill` acks,
 * go out in the next turn; without one (pool queues), every ack goes out in the next turn. On a fake channel that
 * records its acks, with setTimeout faked (the delay fires only when the test says so).
 */
import type { AsyncMessage, Connection } from 'rabbitmq-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AckVerdict } from '../../src/transport/AckWindow.js';
import { ACK_DELAY_MS, BatchAckConsumer } from '../../src/transport/BatchAckConsumer.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function consumer(prefetch: number, delay = ACK_DELAY_MS) {
  const told: string[] = [];
  let consume: (msg: AsyncMessage) => void = () => undefined;
  const ch = {
    active: true,
    on: () => undefined,
    once: () => undefined,
    queueDeclare: async () => ({ queue: 'q' }),
    basicQos: async () => undefined,
    basicConsume: async (_params: unknown, cb: (msg: AsyncMessage) => void) => {
      consume = cb;
      return { consumerTag: 't' };
    },
    basicAck: ({ deliveryTag, multiple }: { deliveryTag: number; multiple?: boolean }) => void told.push(`ack ${deliveryTag}${multiple ? '*' : ''}`),
    basicNack: ({ deliveryTag }: { deliveryTag: number }) => void told.push(`nack ${deliveryTag}`),
  };
  const connection = { acquire: async () => ch } as unknown as Connection;
  const verdicts = new Map<number, AckVerdict>();
  const c = new BatchAckConsumer(connection, { queue: 'q', qos: { prefetchCount: prefetch } }, async (msg) => verdicts.get(msg.deliveryTag) ?? 'ack', { min: 10, max: 100 }, undefined, delay);
  await new Promise<void>((resolve) => c.once('ready', resolve));
  let tag = 0;
  const deliver = (verdict: AckVerdict = 'ack') => {
    verdicts.set(++tag, verdict);
    consume({ deliveryTag: tag } as AsyncMessage);
  };
  return { told, deliver };
}

describe('BatchAckConsumer ack timing', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => void vi.useRealTimers());

  it('lets a lone ack wait for later ones, up to ACK_DELAY_MS, and sends them as one multiple ack', async () => {
    const { told, deliver } = await consumer(64); // spill: 16
    deliver();
    for (let i = 0; i < 5; i++) await turn();
    expect(told).toEqual([]);
    deliver();
    deliver();
    for (let i = 0; i < 5; i++) await turn();
    expect(told).toEqual([]);
    vi.advanceTimersByTime(ACK_DELAY_MS);
    expect(told).toEqual(['ack 3*']);
  });

  it('sends every ack in the next turn without an ack delay (a pool queue)', async () => {
    const { told, deliver } = await consumer(64, 0);
    deliver();
    for (let i = 0; i < 5; i++) await turn();
    expect(told).toEqual(['ack 1']);
  });

  it('sends a requeue, and the acks before it, in the next turn', async () => {
    const { told, deliver } = await consumer(64);
    deliver();
    deliver('requeue');
    for (let i = 0; i < 5; i++) await turn();
    expect(told).toEqual(['ack 1', 'nack 2']);
  });

  it('sends `spill` waiting acks in the next turn: they hold that much of the prefetch', async () => {
    const { told, deliver } = await consumer(8); // spill: 2
    deliver();
    await turn();
    await turn();
    expect(told).toEqual([]);
    deliver();
    for (let i = 0; i < 5; i++) await turn();
    expect(told).toEqual(['ack 2*']);
  });
});
