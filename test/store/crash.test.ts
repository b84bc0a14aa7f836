import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStore } from '../../src/store/LocalStore.js';
import { postgresStore } from '../../src/store/PostgresStore.js';
import { buildWriter, checkAgainstLedger, runAndKill } from './crash.js';
import { DATABASE_URL, describePostgres, dropTables, uniquePrefix } from './postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'arbor-crash-'));
let writer = '';
beforeAll(async () => {
  writer = await buildWriter();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(writer, { force: true });
  await dropTables();
});

/** A kill lands 5 to 150 ms into writing: early (the first commits) and late (mid-stream) alike. */
const killDelay = () => 5 + Math.floor(Math.random() * 145);

describe('localStore under SIGKILL', () => {
  it('never shows a torn or half-applied write and keeps every commit the writer saw resolve, over 30 kills at random points', async () => {
    const path = join(dir, 'local');
    const ledger = join(dir, 'local.ledger');
    let vouched = 0;
    for (let run = 1; run <= 30; run++) {
      await runAndKill(writer, run, ledger, ['local', path], killDelay());
      const store = localStore(path);
      try {
        vouched = await checkAgainstLedger(store, ledger);
      } finally {
        await store.close();
      }
    }
    // The writer got commits through in most runs: the check above had something to check.
    expect(vouched).toBeGreaterThan(5);
  }, 60_000);
});

describePostgres('postgresStore under SIGKILL', () => {
  it('never shows a torn or half-applied write and keeps every commit the writer saw resolve, over 8 kills at random points', async () => {
    const tablePrefix = uniquePrefix();
    const ledger = join(dir, 'postgres.ledger');
    let vouched = 0;
    for (let run = 1; run <= 8; run++) {
      await runAndKill(writer, run, ledger, ['postgres', DATABASE_URL, tablePrefix], killDelay() + 50);
      const store = postgresStore({ url: DATABASE_URL, tablePrefix });
      try {
        vouched = await checkAgainstLedger(store, ledger);
      } finally {
        await store.close();
      }
    }
    expect(vouched).toBeGreaterThan(5);
  }, 60_000);
});
