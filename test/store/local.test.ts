import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { localStore, localStoreFile } from '../../src/store/LocalStore.js';
import { fencingRace, storeConformance, put, record } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'arbor-local-store-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('localStore', () => {
  storeConformance((options) => localStore(join(dir, `s${++n}`), options));

  it('keeps its state in state.db inside a folder, or in the file a .db/.sqlite path names', () => {
    expect(localStoreFile('.arbor/a')).toBe(join('.arbor/a', 'state.db'));
    expect(localStoreFile('/x/states.sqlite')).toBe('/x/states.sqlite');
    expect(localStore(join(dir, 'f.db')).location).toBe(join(dir, 'f.db'));
  });

  it('finds what another store object committed to the same file: state survives reopening', async () => {
    const path = join(dir, `reopen${++n}`);
    const first = localStore(path);
    await first.commit([put(record('root', { step: 2 }, 'm-9'))]);
    await first.close();
    const second = localStore(path);
    expect(await second.load('root')).toMatchObject({ snapshot: { step: 2 }, recentMessageIds: ['m-9'] });
    await second.close();
  });

  it('keeps two owners of one file from both landing writes for a singleton: tokens never go down in commit order', async () => {
    const path = join(dir, `race${++n}`);
    const [a, b] = [localStore(path), localStore(path)];
    expect(await fencingRace(a, b)).toBeGreaterThan(12);
    await Promise.all([a.close(), b.close()]);
  });

  it('opens a file another process holds locked once the lock goes, within busyTimeout (that process creating it, say)', async () => {
    const file = join(dir, `locked${++n}.db`);
    // Another process creates the file and holds its lock for 300 ms.
    const holder = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.exec('BEGIN EXCLUSIVE'); d.exec('CREATE TABLE x (y)'); console.log('locked'); setTimeout(() => { d.exec('COMMIT'); d.close(); }, 300);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const store = localStore(file, { busyTimeout: 5000 });
    expect(await store.load('root')).toBeUndefined();
    await store.close();
    await new Promise((resolve) => (holder.exitCode === null ? holder.once('exit', resolve) : resolve(undefined)));
  });

  it('does not keep a failed open: the next call opens again', async () => {
    const file = join(dir, `locked${++n}.db`);
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    other.exec('CREATE TABLE x (y)');
    const store = localStore(file, { busyTimeout: 20 });
    await expect(store.load('root')).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringContaining('database is locked') });
    other.exec('COMMIT');
    other.close();
    expect(await store.load('root')).toBeUndefined();
    await store.close();
  });

  it('refuses a database written by a newer schema than it knows', async () => {
    const path = join(dir, `newer${++n}.db`);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    const store = localStore(path);
    await expect(store.load('x')).rejects.toMatchObject({ code: 'STORE_ERROR', details: { version: 99 } });
    await store.close();
  });

  it('rejects bad options with INVALID_SPEC naming the field', () => {
    expect(() => localStore(join(dir, 'x'), { processedWindow: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: { field: 'processedWindow', value: 0 } }));
    expect(() => localStore(join(dir, 'x'), { synchronous: 'off' as never })).toThrow(/synchronous/);
    expect(() => localStore('')).toThrow(expect.objectContaining({ code: 'STORE_ERROR' }));
  });
});
