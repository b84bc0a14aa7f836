/**
 * Pool prefetch counted in pool messages (issue 20's pool row, `./PoolCredit.ts`) on the real
 * broker: pool sends of one turn leave in batches (`poolBatch`, 8 by default, never more than the
 * smallest prefetch a member told in its heartbeats), and a member still never holds more than its
 * prefetch in pool messages (counted at the host: handed over and not finished), members competing
 * for a backlog of mixed batches share it, lone messages fill the prefetch, a batch that does not
 * fit waits whole, and a member cut off with a batch gives it back whole to the other member,
 * which processes each of its messages once.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Envelope } from '../../src/runtime/transport.js';
import type { RabbitmqTransport } from '../../src/transport/RabbitmqTransport.js';
import type { RabbitmqTransportOptions } from '../../src/transport/options.js';
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

const HEARTBEAT = 200;

async function member(name: string, cluster: string, prefetch: number, ms: number | 'hold', options: RabbitmqTransportOptions = {}): Promise<Member> {
  const { transport, host } = await startNode(name, cluster, { heartbeat: HEARTBEAT, ...options });
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

/** A sender that has heard the members' heartbeats (which tell the pools they serve and their prefetch). */
async function senderSeeing(cluster: string, members: Member[], options: RabbitmqTransportOptions = {}): Promise<RabbitmqTransport> {
  const { transport } = await startNode('s', cluster, { heartbeat: HEARTBEAT, ...options });
  await waitFor('the sender to hear the members', () => members.every((m) => transport.nodes().some((n) => n.node === m.name)));
  return transport;
}
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
    const [m1, m2] = await Promise.all([member('m1', cluster, 10, 15), member('m2', cluster, 10, 15)]);
    const sender = await senderSeeing(cluster, [m1, m2]);
    // Far faster than the members work (20 jobs at a time, 15 ms each): a backlog of batches of 1 to 8 builds up.
    const sizes = [8, 1, 3, 8, 8, 2, 5, 8, 1, 1, 8, 7, 8, 4, 8, 6, 8, 1, 8, 8, 2, 8, 3, 8, 8];
    const total = await sendBursts(sender, sizes);
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
    const sender = await senderSeeing(cluster, [m]);
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
    const m1 = await member('m1', cluster, 8, 'hold', { reconnect: { min: 10_000, max: 10_000 } });
    const sender = await senderSeeing(cluster, [m1]);
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

  it('batches no more than the smallest prefetch a member told: a member serving 3 at a time never holds more than 3', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const queue = `arbor.${cluster}.pool.jobs`;
    const small = await member('small', cluster, 3, 'hold');
    const sender = await senderSeeing(cluster, [small]);
    await sendBursts(sender, [8]);
    await waitFor('3 in hand', () => small.inHand === 3);
    // The burst of 8 left as batches of 3, 3 and 2: the other two wait on the broker.
    await waitForDepth(queue, 2);
    for (const finish of small.finishers.splice(0)) finish();
    await waitFor('the next 3 in hand', () => small.inHand === 3);
    for (const finish of small.finishers.splice(0)) finish();
    await waitFor('the last 2 in hand', () => small.inHand === 2);
    for (const finish of small.finishers.splice(0)) finish();
    await waitFor('all 8 done', () => small.done.length === 8);
    expect(small.most).toBe(3);
    expect(idsOf(small.done)).toEqual(range(8));
  });

  it('hands an urgent batch out before a normal batch sent earlier (poolPriority)', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const queue = `arbor.${cluster}.pool.jobs`;
    const m = await member('m', cluster, 8, 'hold', { poolPriority: true });
    const sender = await senderSeeing(cluster, [m], { poolPriority: true });
    // Jobs 1-8 fill m; then a normal batch 9-16 and, a turn later, an urgent batch 17-18 wait on the broker.
    await sendBursts(sender, [8, 8]);
    await waitFor('m full', () => m.inHand === 8);
    for (const id of [17, 18]) sender.sendToPool('jobs', envelope('pool:jobs', { type: 'job', id }, { headers: { 'arbor-priority': 'urgent' } }));
    await sender.confirmed();
    await waitForDepth(queue, 2);
    for (const finish of m.finishers.splice(0)) finish();
    await waitFor('the next batch in hand', () => m.inHand > 0);
    expect(idsOf(m.host.delivered.slice(8, 10))).toEqual([17, 18]);
    for (const finish of m.finishers.splice(0)) finish();
    await waitFor('the normal batch in hand', () => m.inHand === 8);
    for (const finish of m.finishers.splice(0)) finish();
    await waitFor('all 18 done', () => m.done.length === 18);
    expect(idsOf(m.host.delivered.slice(10))).toEqual(range(16).slice(8));
    expect(m.most).toBe(8);
  });
});
