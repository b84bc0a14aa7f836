import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createSystem, rabbitmqTransport, supervisor, type System } from '../../src/index.js';
import { postgresStore } from '../../src/store/PostgresStore.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster, waitFor } from '../broker/broker.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess } from '../cluster/node-processes.js';
import { DATABASE_URL, postgresProblem } from '../store/postgres.js';
import { tempDir } from './helpers.js';

const HEARTBEAT = 250;
const script = resolve(import.meta.dirname, 'fixtures', 'saga-node.ts');
const systems: System[] = [];
const dir = tempDir();

describeBroker('a durable saga placed on another node', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await killNodeProcesses();
    await cleanupClusters();
    dir.cleanup();
  });

  it.skipIf(postgresProblem !== undefined && process.env.ARBOR_REQUIRE_BROKER !== '1')(
    'resumes on c after its node b is SIGKILLed with steps 1 and 2 committed: each ran once, and it completes',
    async () => {
      const cluster = uniqueCluster();
      const ledger = join(dir.path, 'ledger');
      process.env.SAGA_LEDGER = ledger;
      process.env.SAGA_HANG = 'review';
      const bStarting = startNodeProcess({ node: 'b', cluster, heartbeat: HEARTBEAT, script });
      delete process.env.SAGA_HANG;
      const cStarting = startNodeProcess({ node: 'c', cluster, heartbeat: HEARTBEAT, script });
      const [b] = await Promise.all([bStarting, cStarting]);
      const a = await createSystem({ node: 'a', logger: pino({ level: 'silent' }), transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 }) });
      systems.push(a);
      await waitFor('a to see b and c', () => ['b', 'c'].every((n) => a.nodes().some((i) => i.node === n)));

      const rootId = `orders-${randomUUID().slice(0, 8)}`;
      const root = a.spawn(
        supervisor({
          intensity: 10,
          autoShutdown: 'any_significant',
          backoff: { min: 20, max: 500 },
          children: [{ id: 'order', kind: 'publish', node: ['b', 'c'], durable: true, restart: 'transient', significant: true }],
        }),
        { id: rootId },
      );
      const path = `arbor://a/${rootId}/order`;
      const store = postgresStore({ url: DATABASE_URL });
      // b is killed once steps 1 and 2 are committed (it hangs in step 3).
      await waitFor('steps 1 and 2 committed', () => readLedger(ledger).length >= 3, 30_000);
      let completed: string[] = [];
      for (let i = 0; i < 400 && completed.length < 2; i++) {
        completed = ((await store.load(path))?.snapshot as { context?: { completed?: string[] } } | undefined)?.context?.completed ?? [];
        if (completed.length < 2) await new Promise((r) => setTimeout(r, 25));
      }
      expect(completed).toEqual(['reserve', 'render']);
      await killNodeProcess(b);

      // The root's result is its children's results by id.
      const out = (await root.result()) as { order?: { status?: string } };
      expect(out.order?.status).toBe('completed');
      const lines = readLedger(ledger);
      const key = (step: string) => `${path}/${step}`;
      expect(lines).toEqual([`b reserve ${key('reserve')}`, `b render ${key('render')}`, `b review ${key('review')}`, `c review ${key('review')}`, `c release ${key('release')}`]);
      // It ended normally: its state is gone (deleted by its host after the exit it reported).
      let left = await store.load(path);
      for (let i = 0; i < 200 && left !== undefined; i++) {
        await new Promise((r) => setTimeout(r, 25));
        left = await store.load(path);
      }
      expect(left).toBeUndefined();
      await store.close();
    },
    90_000,
  );
});

function readLedger(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
