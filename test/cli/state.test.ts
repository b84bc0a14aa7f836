import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStore } from '../../src/store/LocalStore.js';
import { postgresStore } from '../../src/store/PostgresStore.js';
import type { StateChange, StateSummary, StoredState } from '../../src/store/StateStore.js';
import { DATABASE_URL, describePostgres, dropTables, uniquePrefix } from '../store/postgres.js';
import { arbor, BIN, cliEnv } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'arbor-cli-state-'));
const store = join(dir, '.arbor', 'node-a');
const machine = { id: 'saga', version: 'v2' };
const changes: StateChange[] = [
  { op: 'put', record: { path: 'root/orders/1', machine, snapshot: { value: 'paid', context: { step: 2 } }, timers: [{ id: 'remind', dueAt: Date.UTC(2030, 0, 1), event: { type: 'remind' } }], messageId: 'msg-7' } },
  { op: 'put', record: { path: 'root/orders/2', machine, snapshot: { value: 'new' }, timers: [] } },
  { op: 'put', record: { path: 'root/ledger', machine: { id: 'ledger', version: 'h:abc' }, snapshot: { value: 'open' }, timers: [] } },
];

beforeAll(async () => {
  const s = localStore(store);
  await s.commit(changes);
  await s.close();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTables();
});

describe('arbor state', () => {
  it.concurrent('lists the durable states of a local store as JSON, filtered by prefix', { timeout: 60_000 }, async () => {
    const { code, stdout } = await arbor(['state', 'list', '--store', store, '--json', '--prefix', 'root/orders/']);
    expect(code).toBe(0);
    const states = JSON.parse(stdout) as StateSummary[];
    expect(states.map((s) => s.path)).toEqual(['root/orders/1', 'root/orders/2']);
    expect(states[0]).toMatchObject({ machine, revision: 1, timers: 1 });
  });

  it.concurrent('lists them as a table', { timeout: 60_000 }, async () => {
    const { code, stdout } = await arbor(['state', 'list', '--store', store]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PATH\s+MACHINE\s+REVISION\s+TIMERS\s+UPDATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['root/ledger', 'ledger@h:abc', '1', '0'],
      ['root/orders/1', 'saga@v2', '1', '1'],
      ['root/orders/2', 'saga@v2', '1', '0'],
    ]);
  });

  it.concurrent('shows one state with its snapshot, timers and processed message ids', { timeout: 60_000 }, async () => {
    const json = await arbor(['state', 'show', 'root/orders/1', '--store', store, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout) as StoredState).toMatchObject({ path: 'root/orders/1', snapshot: { value: 'paid', context: { step: 2 } }, messageId: 'msg-7', recentMessageIds: ['msg-7'] });
    const text = await arbor(['state', 'show', 'root/orders/1', '--store', store]);
    expect(text.stdout).toContain('machine:    saga@v2');
    expect(text.stdout).toContain('remind due 2030-01-01T00:00:00.000Z: {"type":"remind"}');
    expect(text.stdout).toContain('"step": 2');
    const missing = await arbor(['state', 'show', 'root/nobody', '--store', store]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no durable state for root/nobody');
  });

  it('deletes named paths, reports the ones without state, and deletes by prefix only with --yes', { timeout: 60_000 }, async () => {
    const copy = join(dir, 'deletable');
    const s = localStore(copy);
    await s.commit(changes);
    await s.close();
    const one = await arbor(['state', 'delete', 'root/ledger', 'root/ghost', '--store', copy, '--json']);
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout)).toEqual({ deleted: ['root/ledger'], missing: ['root/ghost'] });
    const unconfirmed = await arbor(['state', 'delete', '--prefix', 'root/orders/', '--store', copy]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    const all = await arbor(['state', 'delete', '--prefix', 'root/orders/', '--yes', '--store', copy]);
    expect(all).toMatchObject({ code: 0, stdout: 'deleted 2 states: root/orders/1, root/orders/2\n' });
    const left = await arbor(['state', 'list', '--store', copy, '--json']);
    expect(JSON.parse(left.stdout)).toEqual([]);
  });

  it.concurrent('finds the only node folder under ./.arbor when no --store is given', { timeout: 60_000 }, async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'state', 'list', '--json'], { cwd: dir, env: cliEnv() }, (error, out) => resolve({ code: error ? Number(error.code) : 0, stdout: out }));
    });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as StateSummary[]).map((s) => s.path)).toContain('root/ledger');
  });

  it.concurrent('exits 2 naming the problem for a store that does not exist or a bad action', { timeout: 60_000 }, async () => {
    const none = await arbor(['state', 'list', '--store', join(dir, 'nothing-here')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^arbor: no state store at .*nothing-here/);
    const bad = await arbor(['state', 'frob', '--store', store]);
    expect(bad).toMatchObject({ code: 2, stderr: 'arbor: unknown action "frob" (actions: list, show, delete)\n' });
    const unreachable = await arbor(['state', 'list', '--store', 'postgres://u:pw-secret@127.0.0.1:1/x']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).not.toContain('pw-secret');
  });
});

describePostgres('arbor state --store postgres://', () => {
  it('lists, shows and deletes the state a cluster keeps in PostgreSQL', { timeout: 60_000 }, async () => {
    const tablePrefix = uniquePrefix();
    const s = postgresStore({ url: DATABASE_URL, tablePrefix });
    await s.commit(changes);
    await s.close();
    const flags = ['--store', DATABASE_URL, '--table-prefix', tablePrefix, '--json'];
    const listed = await arbor(['state', 'list', ...flags]);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as StateSummary[]).map((x) => x.path)).toEqual(['root/ledger', 'root/orders/1', 'root/orders/2']);
    const shown = await arbor(['state', 'show', 'root/orders/1', ...flags]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ snapshot: { value: 'paid' }, recentMessageIds: ['msg-7'] });
    const deleted = await arbor(['state', 'delete', 'root/orders/1', ...flags]);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: ['root/orders/1'], missing: [] });
  });
});
