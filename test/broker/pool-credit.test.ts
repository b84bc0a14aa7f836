/**
 * Pool prefetch counted in pool messages (issue 20's pool row, `./PoolCredit.ts`) on the real
 * broker: pool sends of one turn leave in batches (`poolBatch`, 8 by default), and a member still
 * never holds more than its prefetch in pool messages (counted at the host: handed over and not
 * finished), members competing for a backlog of mixed batches share it, lone messages fill the
 * prefetch, a batch that does not fit waits whole, and a member cut off with a batch gives it
 * back whole to the other member, which processes each of its messages once.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Envelope } from '../../src/runtime/transport.js';
import type { RabbitmqTransport } from '../../src/transport/RabbitmqTransport.js';
import { cleanupClusters, closeConnectionByName, describeBroker, envelope, queueDepth, startNode, stopAll, uniqueCluster, waitFor, waitForDepth, type FakeHost } from './broker.js';

/** A pool member whose host counts the pool messages in hand and finishes each when told (or after `ms`). */
interface Member {
  name: string;
  transport: RabbitmqTransport;
  host: FakeHost;
  inHand: number;
  most: number;
  done: Envelope[];
  finishers: (() => void)[];
}

async function member(name: string, cluster: string, prefetch: number, ms: number | 'hold', reconnect?: { min: number; max: number }): Promise<Member> {
  const { transport, host } = await startNode(name, cluster, reconnect ? { reconnect } : {});
  const m: Member = { name, transport, host, inHand: 0, most: 0, done: [], finishers: [] };
  host.respond = (env) => {
    m.inHand++;
    m.most = Math.max(m.most, m.inHand);
    const done = new Promise<void>((resolve) => {
      const finish = () => {
        m.inHand--;
        m.done.push(env);
        resolve();
      };
      if (ms === 'hold') m.finishers.push(finish);
      else setTimeout(finish, ms);
    });
    return { ok: true, done };
  };
  await transport.consumePool('jobs', { prefetch });
  return m;
}

const nextTurn = () => new Promise((r) => setImmediate(r));
const idsOf = (envs: Envelope[]) => envs.map((e) => (e.body as { id: number }).id).sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Sends jobs 1..n to the pool in bursts of the given sizes, one burst a turn (a burst of up to 8 is one AMQP message). */
async function sendBursts(sender: RabbitmqTransport, sizes: number[]): Promise<number> {
  let id = 0;
  for (const size of sizes) {
    for (let i = 0; i < size; i++) sender.sendToPool('jobs', envelope('pool:jobs', { type: 'job', id: ++id }));
    await nextTurn();
  }
  await sender.confirmed();
  return id;
}

describeBroker('pool prefetch counted in pool messages', () => {
  afterEach(stopAll);
  afterAll(cleanupClusters);

  it('two members sharing a backlog of mixed batches each hold at most their prefetch, share it, and do every job once', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const queue = `arbor.${cluster}.pool.jobs`;
    const { transport: sender } = await startNode('s', cluster);
    // Declares the pool queue, then stops taking from it: the backlog waits in the broker.
    await (await sender.consumePool('jobs'))();
    const sizes = [8, 1, 3, 8, 8, 2, 5, 8, 1, 1, 8, 7, 8, 4, 8, 6, 8, 1, 8, 8, 2, 8, 3, 8, 8];
    const total = await sendBursts(sender, sizes);
    await waitForDepth(queue, sizes.length);
    const [m1, m2] = await Promise.all([member('m1', cluster, 10, 15), member('m2', cluster, 10, 15)]);
    await waitFor('every job done', () => m1.done.length + m2.done.length >= total, 30_000);
    expect(m1.most).toBeLessThanOrEqual(10);
    expect(m2.most).toBeLessThanOrEqual(10);
    expect(idsOf([...m1.done, ...m2.done])).toEqual(range(total));
    // Fair dispatch: neither member took the lion's share.
    expect(Math.min(m1.done.length, m2.done.length)).toBeGreaterThanOrEqual(total * 0.25);
    await new Promise((r) => setTimeout(r, 100));
    expect(await queueDepth(queue)).toBe(0);
  });

  it('fills its prefetch with lone messages, leaves a batch that does not fit on the broker, and takes it whole once there is room', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const queue = `arbor.${cluster}.pool.jobs`;
    const m = await member('m', cluster, 8, 'hold');
    const { transport: sender } = await startNode('s', cluster);
    // Eight lone messages, one a turn: all in hand at once (counting them as batches would take one).
    await sendBursts(sender, [1, 1, 1, 1, 1, 1, 1, 1]);
    await waitFor('8 lone jobs in hand', () => m.inHand === 8);
    // A batch of 8 while 8 are held: given back if it arrived, and waiting on the broker.
    for (let id = 9; id <= 16; id++) sender.sendToPool('jobs', envelope('pool:jobs', { type: 'job', id }));
    await sender.confirmed();
    await waitForDepth(queue, 1);
    for (const finish of m.finishers.splice(0, 3)) finish();
    await new Promise((r) => setTimeout(r, 200));
    // 5 held: the batch still does not fit.
    expect(m.inHand).toBe(5);
    expect(await queueDepth(queue)).toBe(1);
    for (const finish of m.finishers.splice(0)) finish();
    await waitFor('the batch in hand', () => m.inHand === 8);
    expect(m.most).toBe(8);
    for (const finish of m.finishers.splice(0)) finish();
    await waitFor('all 16 done', () => m.done.length === 16);
    expect(idsOf(m.done)).toEqual(range(16));
  });

  it('a member cut off with a batch gives it back whole: the other member gets all of it in one delivery and does each job once', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const queue = `arbor.${cluster}.pool.jobs`;
    // m1 comes back only after a long pause, so the batch it held goes to m2.
    const m1 = await member('m1', cluster, 8, 'hold', { min: 10_000, max: 10_000 });
    const { transport: sender } = await startNode('s', cluster);
    await sendBursts(sender, [8]);
    await waitFor('m1 holds the batch', () => m1.inHand === 8);
    const m2 = await member('m2', cluster, 8, 0);
    expect(await closeConnectionByName(`arbor/${cluster}/m1`)).toBe(1);
    await waitFor('m2 did the batch', () => m2.done.length >= 8, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(idsOf(m2.done)).toEqual(range(8));
    // Redelivered (an attempt counted for each), handed over once each.
    expect(m2.host.delivered.map((e) => e.attempt)).toEqual(Array.from({ length: 8 }, () => 1));
    expect(m2.host.delivered).toHaveLength(8);
    expect(await queueDepth(queue)).toBe(0);
  });
});
