/**
 * Shared helpers of the tests that need a real PostgreSQL (`DATABASE_URL`, default
 * `postgres://postgres@127.0.0.1:5432/test`). The database is probed once per file: if it is
 * unreachable the suites are skipped with a visible notice, or fail when `ARBOR_REQUIRE_BROKER=1`
 * (the same switch as the broker tests: CI provides every service).
 *
 * Each store gets its own table prefix (`t<pid>_<n>`), so files running in parallel never share
 * tables; {@link dropTables} removes what those prefixes created.
 */
import pg from 'pg';
import { describe, it } from 'vitest';
import { redactUrl } from '../../src/store/redact.js';

export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cannot be used, or undefined when it can. */
export const postgresProblem = await probe();

/** `describe` for suites that need PostgreSQL: skips (or fails, with ARBOR_REQUIRE_BROKER=1) without one. */
export function describePostgres(name: string, fn: () => void): void {
  if (!postgresProblem) {
    describe(name, fn);
    return;
  }
  const why = `PostgreSQL is not reachable at ${redactUrl(DATABASE_URL)} (${postgresProblem})`;
  if (process.env.ARBOR_REQUIRE_BROKER === '1') {
    describe(name, () => {
      it('needs a reachable PostgreSQL (ARBOR_REQUIRE_BROKER=1)', () => {
        throw new Error(`${why}; start it or unset ARBOR_REQUIRE_BROKER to skip the PostgreSQL tests`);
      });
    });
    return;
  }
  console.warn(`[postgres tests] skipping "${name}": ${why}. Set ARBOR_REQUIRE_BROKER=1 to make this a failure.`);
  describe.skip(name, fn);
}

let seq = 0;
const prefixes = new Set<string>();

/** A table prefix no other test (or test file) uses. */
export function uniquePrefix(): string {
  const prefix = `t${process.pid}_${++seq}_${Math.random().toString(36).slice(2, 6)}`;
  prefixes.add(prefix);
  return prefix;
}

/** Drops the tables of every prefix this file made. Call from `afterAll`. */
export async function dropTables(): Promise<void> {
  if (postgresProblem || prefixes.size === 0) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    for (const p of prefixes) {
      await client.query(`DROP TABLE IF EXISTS ${p}_state, ${p}_processed, ${p}_leases, ${p}_schema`);
    }
    prefixes.clear();
  } finally {
    await client.end();
  }
}
