/**
 * Cluster singletons in one process: three systems on one broker cluster and one PostgreSQL store
 * each spawn the same singleton; exactly one runs it, any node reaches it by its path, and a node
 * whose broker connection is dropped while it runs on (it only looked dead) is fenced by the
 * node that took over and stops, with every message processed exactly once.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createSystem, rabbitmqTransport, supervisor, type System } from '../../src/index.js';
import { postgresStore } from '../../src/store/PostgresStore.js';
import type { StateStore } from '../../src/store/StateStore.js';
import { AMQP_URL, cleanupClusters, closeConnectionByName, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { DATABASE_URL, dropTables, postgresProblem, uniquePrefix } from '../store/postgres.js';
import { sumTo, tally } from './fixtures/tally.js';

const HEARTBEAT = 250;
const needsPostgres = postgresProblem !== undefined && process.env.ARBOR_REQUIRE_BROKER !== '1';
const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });
let systems: System[] = [];
let stores: StateStore[] = [];

async function nodes(names: string[], cluster: string, prefix: string, kinds: Record<string, Record<string, unknown>> = {}): Promise<System[]> {
  const made = await Promise.all(
    names.map((node) => {
      const store = postgresStore({ url: DATABASE_URL, tablePrefix: prefix });
      stores.push(store);
      return createSystem({ node, logger, store, kinds: kinds[node] ?? {}, transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 }) });
    }),
  );
  systems.push(...made);
  for (const s of made) await waitFor(`${s.node} to see the others`, () => names.every((n) => s.nodes().some((i) => i.node === n)));
  return made;
}

/** The nodes whose `describe()` says they run the singleton `id`. */
const owners = (all: System[], id: string): string[] => all.filter((s) => s.describe().singletons?.some((x) => x.id === id && x.role === 'owner')).map((s) => s.node);

async function tallyOf(system: System, path: string): Promise<{ count: number; sum: number }> {
  const reply = (await system.lookup(path)?.ask<{ count: number; sum: number }>({ type: 'get' }, { timeout: 20_000 })) as { count: number; sum: number };
  return { count: reply.count, sum: reply.sum };
}

/**
 * Waits until the tally counts `n` messages, then checks the sum. Messages sent from several nodes
 * are ordered per sender only, so an ask from one node may overtake another node's adds.
 */
async function expectTally(system: System, path: string, n: number): Promise<void> {
  let last = { count: -1, sum: -1 };
  await eventually(`${n} messages counted`, async () => (last = await tallyOf(system, path)).count >= n);
  expect(last).toEqual({ count: n, sum: sumTo(n) });
}

async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeBroker('cluster singletons (one process, three nodes)', () => {
  afterEach(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await Promise.all(stores.map((s) => s.close()));
    systems = [];
    stores = [];
  });
  afterAll(async () => {
    await cleanupClusters();
    await dropTables();
  });

  it.skipIf(needsPostgres)('runs on exactly one node; every node reaches it by its path; a graceful stop hands it over with its state', async () => {
    const cluster = uniqueCluster();
    const all = await nodes(['a', 'b', 'c'], cluster, uniquePrefix());
    const id = `tally-${randomUUID().slice(0, 6)}`;
    const refs = all.map((s) => s.spawn(tally, { id, durable: true, singleton: true }));
    expect(refs.map((r) => r.path)).toEqual(all.map(() => `arbor://$singleton/${id}`));
    await waitFor('one owner', () => owners(all, id).length === 1, 20_000);
    for (let n = 1; n <= 60; n++) all[n % 3]?.lookup(`${id}`)?.send({ type: 'add', n });
    await expectTally(all[2] as System, id, 60);
    expect(owners(all, id)).toHaveLength(1);
    // The tree row of its owner is marked for the inspector.
    const owner = all.find((s) => s.node === owners(all, id)[0]) as System;
    expect(owner.describe().roots.find((r) => r.path === `arbor://$singleton/${id}`)).toMatchObject({ singleton: true, node: owner.node });

    await owner.shutdown();
    const rest = all.filter((s) => s !== owner);
    for (let n = 61; n <= 100; n++) rest[n % 2]?.lookup(id)?.send({ type: 'add', n });
    await expectTally(rest[0] as System, id, 100);
    await waitFor('one owner among the rest', () => owners(rest, id).length === 1, 20_000);

    // result() on every node that spawned it: the owner's output, told to the others.
    const results = rest.map((s) => s.lookup(id)?.result());
    rest[0]?.lookup(id)?.send({ type: 'finish' });
    for (const r of results) await expect(r).resolves.toEqual({ count: 100, sum: sumTo(100) });
  }, 90_000);

  it.skipIf(needsPostgres)("a node that never spawned the singleton reaches it and asks it by '<id>' and '<id>/<child>', also after a takeover", async () => {
    const cluster = uniqueCluster();
    const all = await nodes(['a', 'b', 'c'], cluster, uniquePrefix());
    const [a, b, c] = all as [System, System, System];
    const id = `far-${randomUUID().slice(0, 6)}`;
    const tree = `fartree-${randomUUID().slice(0, 6)}`;
    const mine = `mine-${randomUUID().slice(0, 6)}`;
    const root = supervisor({ children: [{ id: 'books', logic: tally, durable: true }] });
    for (const s of [a, b]) {
      s.spawn(tally, { id, durable: true, singleton: true });
      s.spawn(root, { id: tree, durable: true, singleton: true });
    }
    // A singleton elsewhere does not hide a root of this node with the same id.
    a.spawn(tally, { id: mine, durable: true, singleton: true });
    c.spawn(tally, { id: mine });
    await waitFor('one owner each', () => owners(all, id).length === 1 && owners(all, tree).length === 1, 20_000);
    // c learns the ids from the heartbeats of a and b.
    await waitFor('c to hear of the singletons', () => c.lookup(id)?.path === `arbor://$singleton/${id}` && c.lookup(`${tree}/books`)?.path === `arbor://$singleton/${tree}/books`, 20_000);
    expect(c.lookup(mine)?.path).toBe(`arbor://c/${mine}`);
    expect(c.lookup('nothing-here')).toBeUndefined();

    // Adds first..last to both tallies from c, then asks both from c.
    const addFromC = async (first: number, last: number): Promise<void> => {
      for (let n = first; n <= last; n++) for (const path of [id, `${tree}/books`]) c.lookup(path)?.send({ type: 'add', n });
      for (const path of [id, `${tree}/books`]) await expectTally(c, path, last);
      expect(owners([c], id)).toEqual([]);
    };
    await addFromC(1, 40);

    // The owner of the tally leaves: the other spawning node takes it (and its state) over, and c still reaches it.
    const owner = all.find((s) => s.node === owners(all, id)[0]) as System;
    await owner.shutdown();
    const rest = [a, b].filter((s) => s !== owner);
    await waitFor('the other node to take over', () => owners(rest, id).length === 1 && owners(rest, tree).length === 1, 30_000);
    await addFromC(41, 60);
  }, 120_000);

  it.skipIf(needsPostgres)('a singleton that crashes for good rejects result() on every node that spawned it, and no other node restarts it', async () => {
    const cluster = uniqueCluster();
    const all = await nodes(['a', 'b'], cluster, uniquePrefix());
    const id = `crash-${randomUUID().slice(0, 6)}`;
    const results = all.map((s) => s.spawn(tally, { id, durable: true, singleton: true }).result());
    for (const r of results) r.catch(() => undefined);
    await waitFor('one owner', () => owners(all, id).length === 1, 20_000);
    all[0]?.lookup(id)?.send({ type: 'boom' });
    for (const r of results) await expect(r).rejects.toThrow('boom');
    await waitFor('ended everywhere', () => all.every((s) => s.describe().singletons?.every((x) => x.role === 'ended')), 20_000);
    expect(owners(all, id)).toEqual([]);
  }, 90_000);

  it.skipIf(needsPostgres)('a supervisor root: its durable child resumes on the new owner after the owner leaves', async () => {
    const cluster = uniqueCluster();
    const all = await nodes(['a', 'b'], cluster, uniquePrefix());
    const id = `tree-${randomUUID().slice(0, 6)}`;
    const root = supervisor({ children: [{ id: 'books', logic: tally, durable: true }] });
    for (const s of all) s.spawn(root, { id, durable: true, singleton: true });
    await waitFor('one owner', () => owners(all, id).length === 1, 20_000);
    for (let n = 1; n <= 30; n++) all[n % 2]?.lookup(`${id}/books`)?.send({ type: 'add', n });
    await expectTally(all[0] as System, `${id}/books`, 30);
    const owner = all.find((s) => s.node === owners(all, id)[0]) as System;
    const other = all.find((s) => s !== owner) as System;
    await owner.shutdown();
    other.lookup(`${id}/books`)?.send({ type: 'add', n: 31 });
    await expectTally(other, `${id}/books`, 31);
    expect(owners([other], id)).toEqual([other.node]);
  }, 90_000);

  it.skipIf(needsPostgres)("a singleton supervisor's durable child placed on another node works, and resumes there after the owner leaves", async () => {
    const cluster = uniqueCluster();
    const all = await nodes(['a', 'b', 'c'], cluster, uniquePrefix(), { c: { tally } });
    const [a, b, c] = all as [System, System, System];
    const id = `placed-${randomUUID().slice(0, 6)}`;
    const root = supervisor({ children: [{ id: 'books', kind: 'tally', node: 'c', durable: true }] });
    for (const s of [a, b]) s.spawn(root, { id, durable: true, singleton: true });
    await waitFor('one owner', () => owners(all, id).length === 1, 20_000);
    for (let n = 1; n <= 30; n++) [a, b][n % 2]?.lookup(`${id}/books`)?.send({ type: 'add', n });
    await expectTally(a, `${id}/books`, 30);
    const owner = all.find((s) => s.node === owners(all, id)[0]) as System;
    const other = [a, b].find((s) => s !== owner) as System;
    await owner.shutdown();
    await waitFor('the other node to take over', () => owners([other], id).length === 1, 30_000);
    // c never spawned the singleton: it knows the id from the heartbeats of the nodes that did, and
    // the whole first half can run within one beat, so c may have heard it only from the one that left.
    await waitFor('c to hear of the singleton from the node left', () => c.lookup(`${id}/books`) !== undefined, 20_000);
    for (let n = 31; n <= 45; n++) c.lookup(`${id}/books`)?.send({ type: 'add', n });
    await expectTally(other, `${id}/books`, 45);
    expect(c.describe().hosted.map((h) => h.path)).toContain(`arbor://$singleton/${id}/books`);
  }, 120_000);

  it.skipIf(needsPostgres)('a peer that takes the owner for dead (missed heartbeats) while the broker still sees it does not start a second copy', async () => {
    const cluster = uniqueCluster();
    const all = await nodes(['a', 'b'], cluster, uniquePrefix());
    const id = `down-${randomUUID().slice(0, 6)}`;
    for (const s of all) s.spawn(tally, { id, durable: true, singleton: true });
    await waitFor('one owner', () => owners(all, id).length === 1, 20_000);
    const owner = all.find((s) => s.node === owners(all, id)[0]) as System;
    const peer = all.find((s) => s !== owner) as System;
    for (let n = 1; n <= 100; n++) peer.lookup(id)?.send({ type: 'add', n });
    // As if the owner's beats had not reached the peer for three periods: the peer probes the queue,
    // and the broker, which still sees the owner consuming, hands the probe to the owner.
    (peer as unknown as { _distribution: { nodeDown(node: string): void } })._distribution.nodeDown(owner.node);
    for (let n = 101; n <= 200; n++) peer.lookup(id)?.send({ type: 'add', n });
    await expectTally(peer, id, 200);
    expect(owners(all, id)).toEqual([owner.node]);
    // Nobody took the lease again: the token of the first takeover is still the current one.
    expect((await stores[0]?.readLease(`arbor://$singleton/${id}`))?.token).toBe(1);
  }, 90_000);

  it.skipIf(needsPostgres)('a node that only looked dead (its broker connection dropped while it ran on) is fenced and stops; 1,000 messages counted exactly once', async () => {
    const cluster = uniqueCluster();
    const all = await nodes(['a', 'b', 'c'], cluster, uniquePrefix());
    const id = `fenced-${randomUUID().slice(0, 6)}`;
    for (const s of all) s.spawn(tally, { id, durable: true, singleton: true });
    await waitFor('one owner', () => owners(all, id).length === 1, 20_000);
    const first = owners(all, id)[0] as string;
    const sender = all.find((s) => s.node !== first) as System;
    for (let n = 1; n <= 400; n++) sender.lookup(id)?.send({ type: 'add', n });
    await eventually('some processed', async () => (await tallyOf(sender, id)).count >= 100);

    // The broker drops the owner's connection: it hands the queue to another node, which takes the
    // singleton over with a higher token; the old owner still runs, and its next commit is fenced.
    expect(await closeConnectionByName(`arbor/${cluster}/${first}`)).toBe(1);
    for (let n = 401; n <= 1000; n++) sender.lookup(id)?.send({ type: 'add', n });
    await waitFor('another owner', () => owners(all, id).some((n) => n !== first), 30_000);
    await waitFor('the old owner stopped', () => !owners(all, id).includes(first), 30_000);
    await expectTally(sender, id, 1000);
    expect(owners(all, id)).toHaveLength(1);
  }, 120_000);
});
