/**
 * PostgreSQL for the durable benchmarks: `DATABASE_URL` (default the local test database), a probe
 * that says why it cannot be used (its rows are then shown as skipped), and table cleanup.
 */
import pg from 'pg';
import type { Result } from './harness.js';

export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Why PostgreSQL cannot be used, or `undefined` when it can. */
export async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The row of a scenario that needs PostgreSQL when there is none (says why on stderr). */
export function skippedRow(id: string, unit: string, problem: string): Result {
  process.stderr.write(`(no PostgreSQL: ${problem}) `);
  return { id, unit, arbor: NaN, baseline: NaN, baselineName: '-', ratio: NaN, skipped: 'skipped (no PostgreSQL)' };
}

/** Drops the tables of `postgresStore`s opened with these prefixes. */
export async function dropTables(prefixes: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    for (const p of prefixes) await client.query(`DROP TABLE IF EXISTS ${p}_state, ${p}_processed, ${p}_leases, ${p}_schema`);
  } finally {
    await client.end();
  }
}
