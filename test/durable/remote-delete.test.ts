import { afterAll, expect, it } from 'vitest';
import pino from 'pino';
import { createSystem, rabbitmqTransport, supervisor, type System } from '../../src/index.js';
import { postgresStore } from '../../src/store/PostgresStore.js';
import type { StateStore } from '../../src/store/StateStore.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { DATABASE_URL, dropTables, postgresProblem, uniquePrefix } from '../store/postgres.js';
import { counter } from './helpers.js';

const systems: System[] = [];
const stores: StateStore[] = [];

async function node(name: string, cluster: string, tablePrefix: string, kinds: Record<string, unknown> = {}): Promise<System> {
  const store = postgresStore({ url: DATABASE_URL, tablePrefix });
  stores.push(store);
  const system = await createSystem({ node: name, logger: pino({ level: 'silent' }), kinds, store, transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 250, sendTimeout: 10_000 }) });
  systems.push(system);
  return system;
}

/** Polls until `ok(paths)` holds for the paths the store lists (the deletes are asynchronous). */
async function listed(store: StateStore, ok: (paths: string[]) => boolean): Promise<string[]> {
  let paths: string[] = [];
  for (let i = 0; i < 600; i++) {
    paths = (await store.list()).map((s) => s.path);
    if (ok(paths)) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return paths;
}

describeBroker('durable children placed on another node, with a shared PostgreSQL store', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await Promise.all(stores.map((s) => s.close()));
    await cleanupClusters();
    await dropTables();
  });

  it.skipIf(postgresProblem !== undefined && process.env.ARBOR_REQUIRE_BROKER !== '1')(
    'lose their state when the owner deletes them or when a temporary one exits for good with its host; a terminated one keeps it',
    async () => {
      const cluster = uniqueCluster();
      const prefix = uniquePrefix();
      const b = await node('b', cluster, prefix, { counter });
      const a = await node('a', cluster, prefix);
      await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'), 20_000);
      const root = a.spawn(supervisor({ intensity: 10, children: [] }), { id: 'root' });
      const spec = (id: string, restart: 'permanent' | 'temporary') => ({ id, kind: 'counter', node: ['b'], durable: true, restart });
      const refs = await Promise.all([root.startChild(spec('deleted', 'permanent')), root.startChild(spec('temp', 'temporary')), root.startChild(spec('kept', 'permanent'))]);
      for (const ref of refs) ref.send({ type: 'inc' });
      const store = stores[0]!;
      const all = ['arbor://a/root/deleted', 'arbor://a/root/kept', 'arbor://a/root/temp'];
      expect(await listed(store, (p) => p.length === 3)).toEqual(all);

      await root.terminateChild('deleted');
      await root.deleteChild('deleted');
      expect(await listed(store, (p) => p.length === 2)).toEqual(['arbor://a/root/kept', 'arbor://a/root/temp']);

      // b leaves for good: its children end; the temporary one is removed by its supervisor, its
      // state with it; the permanent one waits for a node to run it, its state kept.
      await b.shutdown();
      await waitFor('temp removed from the tree', () => !root.whichChildren().some((c) => c.id === 'temp'), 20_000);
      expect(await listed(store, (p) => p.length === 1)).toEqual(['arbor://a/root/kept']);
    },
    90_000,
  );
});
