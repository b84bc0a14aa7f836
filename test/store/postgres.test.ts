import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { postgresStore } from '../../src/store/PostgresStore.js';
import { fencingRace, storeConformance, put, record } from './conformance.js';
import { DATABASE_URL, describePostgres, dropTables, uniquePrefix } from './postgres.js';

afterAll(dropTables);

describePostgres('postgresStore', () => {
  storeConformance((options) => postgresStore({ url: DATABASE_URL, tablePrefix: uniquePrefix(), ...options }));

  it('shares state between two store objects on the same tables, as two nodes would', async () => {
    const tablePrefix = uniquePrefix();
    const a = postgresStore({ url: DATABASE_URL, tablePrefix });
    const b = postgresStore({ url: DATABASE_URL, tablePrefix });
    try {
      // Both create the tables at once: the advisory lock makes that safe.
      await Promise.all([a.list(), b.list()]);
      await a.commit([put(record('root/x', { n: 1 }, 'm1'))]);
      expect(await b.load('root/x')).toMatchObject({ snapshot: { n: 1 }, recentMessageIds: ['m1'] });
      expect(await b.hasProcessed('root/x', 'm1')).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('never lets two concurrent owners both commit with their tokens after a takeover', async () => {
    const tablePrefix = uniquePrefix();
    const a = postgresStore({ url: DATABASE_URL, tablePrefix });
    const b = postgresStore({ url: DATABASE_URL, tablePrefix });
    try {
      const leaseA = (await a.acquireLease('root', 'a', { ttl: 60_000 }))!;
      // a keeps committing while b takes over; once b's acquisition is visible, no write of a lands.
      const writes = Array.from({ length: 40 }, (_, i) => a.commit([put(record('root', { by: 'a', i }), { key: 'root', token: leaseA.token })]));
      const leaseB = (await b.acquireLease('root', 'b', { ttl: 60_000, force: true }))!;
      const afterTakeover = await a.commit([put(record('root', { by: 'a', i: 'late' }), { key: 'root', token: leaseA.token })]);
      expect(afterTakeover[0]?.ok).toBe(false);
      await b.commit([put(record('root', { by: 'b' }), { key: 'root', token: leaseB.token })]);
      await Promise.all(writes);
      expect((await a.load('root'))?.snapshot).toEqual({ by: 'b' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps two nodes from both landing writes for a singleton: tokens never go down in commit order', async () => {
    const tablePrefix = uniquePrefix();
    const [a, b] = [postgresStore({ url: DATABASE_URL, tablePrefix }), postgresStore({ url: DATABASE_URL, tablePrefix })];
    try {
      expect(await fencingRace(a, b)).toBeGreaterThan(12);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses tables written by a newer schema than it knows', async () => {
    const tablePrefix = uniquePrefix();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`CREATE TABLE ${tablePrefix}_schema (version integer NOT NULL); INSERT INTO ${tablePrefix}_schema VALUES (99)`);
    await client.end();
    const store = postgresStore({ url: DATABASE_URL, tablePrefix });
    await expect(store.load('x')).rejects.toMatchObject({ code: 'STORE_ERROR', details: { version: 99 } });
    await store.close();
  });
});

it('postgresStore fails with STORE_ERROR, password redacted, when the database is unreachable', async () => {
  const store = postgresStore({ url: 'postgres://app:s3cret@127.0.0.1:1/none', connectTimeout: 1000 });
  const err = await store.load('x').then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  );
  expect(err?.code).toBe('STORE_ERROR');
  expect(err?.message).not.toContain('s3cret');
  expect(err?.message).toContain('postgres://app:***@127.0.0.1:1/none');
  expect(store.location).toBe('postgres://app:***@127.0.0.1:1/none');
  await store.close();
});

it('postgresStore rejects a URL that is not postgres:// with INVALID_SPEC, without echoing its password', () => {
  expect(() => postgresStore({ url: 'mysql://u:pw@h/db' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: { field: 'url', value: 'mysql://u:***@h/db' } }));
  expect(() => postgresStore({ url: 'postgres://h/db', tablePrefix: 'x; drop' })).toThrow(/tablePrefix/);
});
