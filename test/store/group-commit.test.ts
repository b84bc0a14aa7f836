import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../src/store/GroupCommitter.js';
import { localStore } from '../../src/store/LocalStore.js';
import { put, record } from './conformance.js';
import { RecordingStore } from './recording-store.js';

const dir = mkdtempSync(join(tmpdir(), 'arbor-group-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GroupCommitter', () => {
  it('sends the commits of 100 actors made in one turn to the store as one batch', async () => {
    const store = new RecordingStore();
    const committer = new GroupCommitter(store);
    const revisions = await Promise.all(Array.from({ length: 100 }, (_, i) => committer.commit(put(record(`root/a${i}`, i)))));
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]).toHaveLength(100);
    expect(revisions.every((r) => r === 1)).toBe(true);
    expect(committer.stats()).toEqual({ batches: 1, changes: 100, largest: 100 });
  });

  it('gathers commits made while a batch is in flight into the next batch', async () => {
    const store = new RecordingStore(() => 2);
    const committer = new GroupCommitter(store);
    const first = committer.commit(put(record('a', 1)));
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is now in flight
    const later = [2, 3, 4].map((v) => committer.commit(put(record('a', v))));
    await Promise.all([first, ...later]);
    expect(store.batches.map((b) => b.length)).toEqual([1, 3]);
    expect((await store.load('a'))?.snapshot).toBe(4);
  });

  it('splits a turn larger than maxBatch into batches in call order', async () => {
    const store = new RecordingStore();
    const committer = new GroupCommitter(store, { maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => committer.commit(put(record('k', i)))));
    expect(store.batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect((await store.load('k'))?.snapshot).toBe(9);
  });

  it('rejects only the caller whose change the store refused, at once when it is malformed', async () => {
    const store = localStore(join(dir, 'refuse'));
    const committer = new GroupCommitter(store);
    const lease = (await store.acquireLease('root', 'n', { ttl: 60_000 }))!;
    await store.acquireLease('root', 'other', { ttl: 60_000, force: true });
    const outcomes = await Promise.allSettled([
      committer.commit(put(record('ok', 1))),
      committer.commit(put(record('fenced', 1), { key: 'root', token: lease.token })),
      committer.commit(put(record('bad', { n: 1n }))),
    ]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code: string }).code : 'ok'))).toEqual(['ok', 'FENCED', 'STORE_ERROR']);
    expect(committer.stats().changes).toBe(2);
    await committer.close();
    await expect(committer.commit(put(record('late', 1)))).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await store.close();
  });

  it('makes every resolved commit readable from the real local store', async () => {
    const store = localStore(join(dir, 'real'));
    const committer = new GroupCommitter(store);
    await Promise.all(Array.from({ length: 50 }, (_, i) => committer.commit(put(record(`p${i % 10}`, i, `m${i}`)))));
    for (let p = 0; p < 10; p++) {
      const loaded = await store.load(`p${p}`);
      expect(loaded?.snapshot).toBe(40 + p);
      expect(loaded?.recentMessageIds).toEqual([0, 1, 2, 3, 4].map((k) => `m${k * 10 + p}`));
    }
    expect(committer.stats().batches).toBe(1);
    await store.close();
  });

  it('rejects bad options with INVALID_SPEC', () => {
    expect(() => new GroupCommitter(new RecordingStore(), { maxBatch: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }));
  });
});
