/**
 * Durable actors end to end: 100 durable XState counters on one system, each sent the same
 * number of messages at once; a run ends when every counter has processed (and committed) all.
 *
 * - `durable-throughput`: Arbor's durable actors (one `GroupCommitter` per system: the commits of a
 *   turn are one transaction) against the same actors on a naive store that runs one transaction
 *   per commit, on the same database: `localStore` (SQLite, same file format and settings) and
 *   PostgreSQL (`DATABASE_URL`; its row shows as skipped without one). Target ratio >= 5.
 * - `durable-overhead`: the same workload durable (Arbor side) against non-durable (baseline):
 *   what durability costs, reported only (the ratio is below 1 by nature).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assign, setup } from 'xstate';
import { createSystem, localStore, postgresStore, type StateStore, type System } from '../src/index.js';
import type { ActorRef } from '../src/runtime/ref.js';
import { compare, rateResult, type Result, type ScenarioOptions, type Side } from './harness.js';
import { DATABASE_URL, dropTables, postgresProblem, skippedRow } from './postgres.js';

const ACTORS = 100;

const counter = setup({ types: { context: {} as { count: number; notes: string } } }).createMachine({
  id: 'bench-counter',
  context: { count: 0, notes: 'x'.repeat(200) },
  on: { inc: { actions: assign({ count: ({ context }) => context.count + 1 }) } },
});

/** `store` with every batch split into one transaction per change: durable actors without group commit. */
function oneTransactionPerCommit(store: StateStore): StateStore {
  return {
    kind: store.kind,
    location: store.location,
    async commit(changes) {
      const results = [];
      for (const change of changes) results.push(...(await store.commit([change])));
      return results;
    },
    load: (path) => store.load(path),
    hasProcessed: (path, id) => store.hasProcessed(path, id),
    delete: (path, fence) => store.delete(path, fence),
    list: (options) => store.list(options),
    acquireLease: (key, owner, options) => store.acquireLease(key, owner, options),
    renewLease: (lease, ttl) => store.renewLease(lease, ttl),
    releaseLease: (lease) => store.releaseLease(lease),
    readLease: (key) => store.readLease(key),
    close: () => store.close(),
  };
}

/** Opens a fresh, empty store for one run (a run must not resume the counters of the one before). */
type OpenStore = () => StateStore;

function side(open: OpenStore, messages: number, store: 'group' | 'naive' | 'none'): Side {
  return {
    async setup() {
      const base = store === 'none' ? undefined : open();
      await base?.list(); // opened before the clock starts
      const system: System = await createSystem({ node: 'bench', logger: false, ...(base ? { store: store === 'naive' ? oneTransactionPerCommit(base) : base } : {}) });
      const refs: ActorRef[] = Array.from({ length: ACTORS }, (_, i) => system.spawn(counter, { id: `c${i}`, durable: store !== 'none' }));
      const count = (ref: ActorRef) => (ref.getSnapshot() as { context?: { count: number } } | undefined)?.context?.count;
      while (refs.some((r) => count(r) === undefined)) await new Promise((resolve) => setImmediate(resolve));
      return {
        run: async () => {
          for (const ref of refs) for (let m = 0; m < messages; m++) ref.send({ type: 'inc' });
          while (refs.some((r) => count(r) !== messages)) await new Promise((resolve) => setImmediate(resolve));
        },
        teardown: async () => {
          await system.shutdown();
          await base?.close();
        },
      };
    },
  };
}

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'arbor-bench-durable-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function localOpener(dir: string): OpenStore {
  let n = 0;
  return () => localStore(join(dir, `s${++n}`));
}

const THROUGHPUT = { unit: 'msgs/s', baselineName: 'one transaction per commit', target: 5 };

export async function durableThroughput({ quick }: ScenarioOptions): Promise<Result[]> {
  const messages = quick ? 10 : 50;
  const repeat = quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
  const results = await inTempDir(async (dir) => {
    const open = localOpener(dir);
    const timing = await compare(side(open, messages, 'group'), side(open, messages, 'naive'), repeat);
    return [rateResult({ id: 'durable-throughput (local)', ...THROUGHPUT, note: `${ACTORS} durable actors, localStore` }, ACTORS * messages, timing)];
  });

  const problem = await postgresProblem();
  if (problem) return [...results, skippedRow('durable-throughput (postgres)', THROUGHPUT.unit, problem)];
  // Each run gets its own tables (fresh state), all dropped at the end.
  const prefixes: string[] = [];
  const open = () => {
    prefixes.push(`bench_${process.pid}_${prefixes.length}`);
    return postgresStore({ url: DATABASE_URL, tablePrefix: prefixes.at(-1)! });
  };
  try {
    const timing = await compare(side(open, messages, 'group'), side(open, messages, 'naive'), repeat);
    results.push(rateResult({ id: 'durable-throughput (postgres)', ...THROUGHPUT, note: `${ACTORS} durable actors, postgresStore` }, ACTORS * messages, timing));
  } finally {
    await dropTables(prefixes);
  }
  return results;
}

export async function durableOverhead({ quick }: ScenarioOptions): Promise<Result[]> {
  const messages = quick ? 10 : 50;
  const repeat = quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
  return inTempDir(async (dir) => {
    const open = localOpener(dir);
    const timing = await compare(side(open, messages, 'group'), side(open, messages, 'none'), repeat);
    return [rateResult({ id: 'durable-overhead', unit: 'msgs/s', baselineName: 'the same actors, not durable', note: `${ACTORS} actors, localStore` }, ACTORS * messages, timing)];
  });
}
