import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
