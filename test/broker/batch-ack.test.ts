/**
 * The pool queues' consumer (`BatchAckConsumer`, issue 20's pool row) against a real broker: acks
 * coalesced into multiple acks after out-of-order completion, and a member whose connection dies
 * with unacked work (what a SIGKILL looks like to the broker) loses nothing to the member left.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { Connection, type AsyncMessage, type Channel } from 'rabbitmq-client';
import { BatchAckConsumer } from '../../src/transport/BatchAckConsumer.js';
import type { AckVerdict } from '../../src/transport/AckWindow.js';
import { AMQP_URL, cleanupClusters, closeConnectionByName, describeBroker, queueDepth, uniqueCluster, waitFor } from './broker.js';

const connections: Connection[] = [];
const consumers: BatchAckConsumer[] = [];

function connect(connectionName?: string): Connection {
  const connection = new Connection({ url: AMQP_URL, retryLow: 50, retryHigh: 200, ...(connectionName ? { connectionName } : {}) });
  connection.on('error', () => undefined);
  connections.push(connection);
  return connection;
}

/** The acks and nacks a connection's channels send. */
function spyOnAcks(connection: Connection): string[] {
  const seen: string[] = [];
  const acquire = connection.acquire.bind(connection);
  connection.acquire = async (opt) => {
    const ch: Channel = await acquire(opt);
    const ack = ch.basicAck.bind(ch);
    const nack = ch.basicNack.bind(ch);
    ch.basicAck = (p) => {
      seen.push(`ack ${p.deliveryTag ?? '?'}${p.multiple ? ' multiple' : ''}`);
      ack(p);
    };
    ch.basicNack = (p) => {
      seen.push(`nack ${p.deliveryTag ?? '?'}`);
      nack(p);
    };
    return ch;
  };
  return seen;
}

async function consumer(connection: Connection, queue: string, prefetch: number, handler: (msg: AsyncMessage) => Promise<AckVerdict>): Promise<BatchAckConsumer> {
  const c = new BatchAckConsumer(connection, { queue, queueOptions: { durable: true }, qos: { prefetchCount: prefetch } }, handler, { min: 50, max: 200 });
  c.on('error', () => undefined);
  consumers.push(c);
  await new Promise<void>((resolve) => c.once('ready', resolve));
  return c;
}

async function publish(queue: string, ids: number[]): Promise<void> {
  const connection = connect();
  await connection.queueDeclare({ queue, durable: true });
  const publisher = connection.createPublisher({ confirm: true });
  for (const id of ids) await publisher.send({ routingKey: queue, durable: true }, String(id));
  await publisher.close();
}

const idOf = (msg: AsyncMessage): number => Number(msg.body);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeBroker('pool consumer with coalesced acks', () => {
  afterEach(async () => {
    await Promise.allSettled(consumers.splice(0).map((c) => c.close()));
    await Promise.allSettled(connections.splice(0).map((c) => c.close()));
  });
  afterAll(cleanupClusters);

  it('acks deliveries finished out of order with one multiple ack once the first is done, and leaves nothing on the queue', { timeout: 30_000 }, async () => {
    const queue = `arbor.${uniqueCluster()}.pool.ooo`;
    await publish(queue, range(1, 16));
    const connection = connect();
    const acks = spyOnAcks(connection);
    const finish = new Map<number, (v: AckVerdict) => void>();
    await consumer(connection, queue, 16, (msg) => new Promise((resolve) => finish.set(idOf(msg), resolve)));
    await waitFor('all 16 in hand', () => finish.size === 16);
    // 3 and 2 first: they wait behind 1 (fewer than a quarter of the prefetch), then 1 settles all three.
    finish.get(3)?.('ack');
    finish.get(2)?.('ack');
    await new Promise((r) => setTimeout(r, 50));
    expect(acks).toEqual([]);
    finish.get(1)?.('ack');
    await waitFor('the first ack', () => acks.length === 1);
    // The rest in reverse order within one turn: one frame for all.
    for (const id of range(4, 16).reverse()) finish.get(id)?.('ack');
    await waitFor('the second ack', () => acks.length === 2);
    expect(acks).toEqual(['ack 3 multiple', 'ack 16 multiple']);
    await Promise.allSettled(consumers.splice(0).map((c) => c.close()));
    // Closing the channel would have requeued anything left unacked.
    expect(await queueDepth(queue)).toBe(0);
  });

  it('keeps trying a setup that fails (its queue missing) and consumes once the queue is there', { timeout: 30_000 }, async () => {
    const queue = `arbor.${uniqueCluster()}.pool.late`;
    const connection = connect();
    const errors: unknown[] = [];
    const handled: number[] = [];
    const c = new BatchAckConsumer(connection, { queue, queueOptions: { passive: true }, qos: { prefetchCount: 4 } }, (msg) => {
      handled.push(idOf(msg));
      return Promise.resolve('ack');
    }, { min: 50, max: 200 });
    consumers.push(c);
    c.on('error', (err) => errors.push(err));
    const ready = new Promise<void>((resolve) => c.once('ready', resolve));
    await waitFor('the first setup to fail', () => errors.length > 0);
    await publish(queue, [1, 2, 3]);
    await ready;
    await waitFor('the three messages handled', () => handled.length === 3);
    await Promise.allSettled(consumers.splice(0).map((x) => x.close()));
    expect(await queueDepth(queue)).toBe(0);
  });

  it('consumes again after the broker closes its connection, and what it held then comes back to it', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const queue = `arbor.${cluster}.pool.again`;
    await publish(queue, range(1, 4));
    const connection = connect(`batch-ack-${cluster}`);
    const done: { id: number; redelivered: boolean }[] = [];
    let hold = true;
    const c = await consumer(connection, queue, 4, async (msg) => {
      // The first deliveries wait until the connection has gone: their acks are never sent.
      while (hold) await new Promise((r) => setTimeout(r, 10));
      done.push({ id: idOf(msg), redelivered: msg.redelivered });
      return 'ack';
    });
    await waitFor('4 in hand', () => c.inHand === 4);
    const ready = new Promise<void>((resolve) => c.once('ready', resolve));
    expect(await closeConnectionByName(`batch-ack-${cluster}`)).toBe(1);
    await ready;
    hold = false;
    await publish(queue, range(5, 6));
    await waitFor('all six done after the reconnection', () => done.filter((d) => d.redelivered || d.id > 4).length === 6, 20_000);
    await Promise.allSettled(consumers.splice(0).map((x) => x.close()));
    expect(await queueDepth(queue)).toBe(0);
  });

  it('a member whose connection dies with unacked work loses none of it: the other member gets it, the ledger counts every message', { timeout: 60_000 }, async () => {
    const queue = `arbor.${uniqueCluster()}.pool.kill`;
    const N = 40;
    await publish(queue, range(1, N));
    const ledger: { id: number; by: 'm1' | 'm2'; redelivered: boolean }[] = [];
    const hanging = new Set<number>();
    const c1 = connect();
    // m1 finishes even ids at once and never finishes odd ones: finished work sits behind a stuck head.
    await consumer(c1, queue, 8, (msg) => {
      const id = idOf(msg);
      if (id % 2 === 1) {
        hanging.add(id);
        return new Promise<AckVerdict>(() => undefined);
      }
      ledger.push({ id, by: 'm1', redelivered: msg.redelivered });
      return Promise.resolve('ack');
    });
    // Its prefetch fills up with stuck odd ids, the evens between them acked (spilled) meanwhile; at
    // most one finished even waits behind them unacked (fewer than a quarter of the prefetch).
    await waitFor('m1 to hold 7 or 8 stuck messages', () => hanging.size >= 7, 20_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(hanging.size).toBeLessThanOrEqual(8);
    c1.unsafeDestroy();
    const c2 = connect();
    await consumer(c2, queue, 8, (msg) => {
      ledger.push({ id: idOf(msg), by: 'm2', redelivered: msg.redelivered });
      return Promise.resolve('ack');
    });
    await waitFor('every message done', () => new Set(ledger.map((e) => e.id)).size === N, 30_000);
    await Promise.allSettled(consumers.splice(0).map((c) => c.close()));
    expect(await queueDepth(queue)).toBe(0);
    expect([...new Set(ledger.map((e) => e.id))].sort((a, b) => a - b)).toEqual(range(1, N));
    // Every message m1 held unfinished came to m2 as a redelivery; done twice: at most what m1 finished but had not acked.
    const redelivered = ledger.filter((e) => e.by === 'm2' && e.redelivered).map((e) => e.id);
    for (const id of hanging) expect(redelivered).toContain(id);
    const twice = ledger.length - N;
    expect(twice).toBeLessThanOrEqual(8);
    expect(ledger.filter((e) => e.by === 'm1').every((e) => e.id % 2 === 0)).toBe(true);
  });
});
