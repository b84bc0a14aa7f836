/**
 * Durable-store commits: 100 actors, each committing its state after every message it processes
 * (one commit at a time, awaiting it, as a durable actor must before taking its next message).
 *
 * Arbor: every commit goes through a `GroupCommitter`, so the commits the 100 actors ask for in
 * one turn share one transaction (one fsync). Baseline: the naive store use, one
 * `store.commit([change])` transaction per commit, on the same store. Both sides run against
 * `localStore` (SQLite, WAL, synchronous=FULL) and against PostgreSQL (`DATABASE_URL`, skipped
 * without one) in the same run; every run checks that each actor's last state is stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommitter, localStore, postgresStore, type StateChange, type StateStore } from '../src/index.js';
import { compare, rateResult, type Result, type ScenarioOptions, type Side } from './harness.js';
import { DATABASE_URL, dropTables, postgresProblem, skippedRow } from './postgres.js';

const ACTORS = 100;

/** A snapshot of a realistic size (about 600 bytes of context). */
function change(actor: number, step: number): StateChange {
  return {
    op: 'put',
    record: {
      path: `root/actors/a${actor}`,
      machine: { id: 'worker', version: 'v1' },
      snapshot: { status: 'active', value: 'working', context: { step, actor, notes: 'x'.repeat(500) }, children: {} },
      timers: [{ id: 'timeout', dueAt: 1_800_000_000_000 + step, event: { type: 'timeout' } }],
      messageId: `m-${actor}-${step}`,
    },
  };
}

/** One side: `commit` is either the group committer's or the store's own, one transaction per call. */
function side(open: () => StateStore, commits: number, grouped: boolean): Side {
  return {
    async setup() {
      const store = open();
      await store.list(); // open (and create the tables) before the clock starts
      const committer = new GroupCommitter(store);
      const commit = grouped
        ? (c: StateChange) => committer.commit(c)
        : async (c: StateChange) => {
            const [result] = await store.commit([c]);
            if (!result?.ok) throw result?.error ?? new Error('no result');
          };
      return {
        run: async () => {
          await Promise.all(
            Array.from({ length: ACTORS }, async (_, actor) => {
              for (let step = 0; step < commits; step++) await commit(change(actor, step));
            }),
          );
          const last = await store.load(`root/actors/a${ACTORS - 1}`);
          if ((last?.snapshot as { context: { step: number } } | undefined)?.context.step !== commits - 1) throw new Error('durable-store: the last commit is not stored');
        },
        teardown: () => store.close(),
      };
    },
  };
}

export async function durableStore({ quick }: ScenarioOptions): Promise<Result[]> {
  const repeat = quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
  const fields = { unit: 'commits/s', baselineName: 'one transaction per commit', target: 5 };
  const results: Result[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'arbor-bench-store-'));
  let n = 0;
  try {
    const commits = quick ? 5 : 20;
    const open = () => localStore(join(dir, `s${++n}`));
    const timing = await compare(side(open, commits, true), side(open, commits, false), repeat);
    results.push(rateResult({ id: 'durable-store (local)', ...fields, note: `${ACTORS} actors, SQLite WAL synchronous=full` }, ACTORS * commits, timing));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const problem = await postgresProblem();
  if (problem) {
    results.push(skippedRow('durable-store (postgres)', fields.unit, problem));
    return results;
  }
  const tablePrefix = `bench_${process.pid}`;
  try {
    const commits = quick ? 5 : 20;
    const open = () => postgresStore({ url: DATABASE_URL, tablePrefix });
    const timing = await compare(side(open, commits, true), side(open, commits, false), repeat);
    results.push(rateResult({ id: 'durable-store (postgres)', ...fields, note: `${ACTORS} actors, pool of 10` }, ACTORS * commits, timing));
  } finally {
    await dropTables([tablePrefix]);
  }
  return results;
}
