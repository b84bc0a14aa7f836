/**
 * A cluster singleton whose node is SIGKILLed under load, with real processes: nodes b, c and d
 * (each its own process) spawn the durable `tally` singleton over one broker cluster and one
 * PostgreSQL store; node a (this process, which never spawned it) sends 1,000 `add` messages to
 * `arbor://$singleton/<id>`. The node running it is killed mid-way: another takes over, resumes
 * from the store, and the ledger (count and sum) ends exactly right: nothing lost, nothing twice.
 * Then the new owner is killed while idle, and the last node takes over with no message to prompt it.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createSystem, rabbitmqTransport, type System } from '../../src/index.js';
import { postgresStore } from '../../src/store/PostgresStore.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess, type NodeProcess } from '../cluster/node-processes.js';
import { DATABASE_URL, dropTables, postgresProblem, uniquePrefix } from '../store/postgres.js';
import { sumTo } from './fixtures/tally.js';

const HEARTBEAT = 250;
const script = resolve(import.meta.dirname, 'fixtures', 'singleton-node.ts');
const systems: System[] = [];

/** The node that says (in its `describe()`) it runs the singleton at `path`. */
async function ownerOf(a: System, path: string): Promise<string[]> {
  const status = await a.clusterStatus({ timeout: 5000 });
  return status.trees.filter((t) => t.singletons?.some((s) => s.path === path && s.role === 'owner')).map((t) => t.node);
}

describeBroker('a singleton whose node is SIGKILLed under load (real processes)', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await killNodeProcesses();
    await cleanupClusters();
    await dropTables();
  });

  it.skipIf(postgresProblem !== undefined && process.env.ARBOR_REQUIRE_BROKER !== '1')(
    'another node takes over; 1,000 messages are each counted exactly once',
    async () => {
      const cluster = uniqueCluster();
      const id = `tally-${randomUUID().slice(0, 8)}`;
      const path = `arbor://$singleton/${id}`;
      process.env.SINGLETON_ID = id;
      process.env.SINGLETON_PREFIX = uniquePrefix();
      const procs = await Promise.all(['b', 'c', 'd'].map((node) => startNodeProcess({ node, cluster, heartbeat: HEARTBEAT, script })));
      const a = await createSystem({ node: 'a', logger: pino({ level: 'silent' }), transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 }) });
      systems.push(a);
      await waitFor('a to see b, c and d', () => ['b', 'c', 'd'].every((n) => a.nodes().some((i) => i.node === n)), 30_000);
      const ref = a.lookup(path);
      expect(ref?.path).toBe(path);
      const get = async () => (await ref?.ask<{ count: number; sum: number }>({ type: 'get' }, { timeout: 60_000 })) as { count: number; sum: number };
      expect(await get()).toMatchObject({ count: 0, sum: 0 });
      const [first, ...others] = await ownerOf(a, path);
      expect(others).toEqual([]);

      // Half the messages processed (the ask waits behind them in the singleton's queue) ...
      for (let n = 1; n <= 500; n++) ref?.send({ type: 'add', n });
      expect(await get()).toMatchObject({ count: 500, sum: sumTo(500) });
      // ... then the other half sent, and the owner killed while it works through them (seen in the store).
      const store = postgresStore({ url: DATABASE_URL, tablePrefix: process.env.SINGLETON_PREFIX });
      const committed = async () => ((await store.load(path))?.snapshot as { context: { count: number } }).context.count;
      for (let n = 501; n <= 1000; n++) ref?.send({ type: 'add', n });
      let atKill = 0;
      while ((atKill = await committed()) < 520);
      await killNodeProcess(procs.find((p) => p.node === first) as NodeProcess);
      expect(atKill).toBeLessThan(1000);

      const final = await get();
      expect(final).toMatchObject({ count: 1000, sum: sumTo(1000) });
      const owners = await ownerOf(a, path);
      expect(owners).toHaveLength(1);
      expect(owners[0]).not.toBe(first);
      // The store holds what the new owner committed: the same ledger.
      try {
        expect((await store.load(path))?.snapshot).toMatchObject({ context: { count: 1000, sum: sumTo(1000) } });
        expect((await store.readLease(path))?.owner.startsWith(`${owners[0] as string}/`)).toBe(true);
        // Idle now: its node SIGKILLed with no message waiting, the last node takes it over by
        // itself (the broker hands it the queue, and the peers' NODE_DOWN probe tells it so).
        const second = owners[0] as string;
        await killNodeProcess(procs.find((p) => p.node === second) as NodeProcess);
        const last = ['b', 'c', 'd'].find((n) => n !== first && n !== second) as string;
        for (let i = 0; i < 600 && !(await store.readLease(path))?.owner.startsWith(`${last}/`); i++) await new Promise((r) => setTimeout(r, 50));
        expect((await store.readLease(path))?.owner.startsWith(`${last}/`)).toBe(true);
        expect(await get()).toMatchObject({ count: 1000, sum: sumTo(1000) });
      } finally {
        await store.close();
      }
    },
    180_000,
  );
});
