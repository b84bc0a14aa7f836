/**
 * The behaviour every {@link StateStore} must have, as one suite run against each implementation
 * (`local.test.ts`, `postgres.test.ts`). `make` opens a fresh, empty store with the given
 * processed window.
 */
import { afterEach, expect, it } from 'vitest';
import { isArborError } from '../../src/runtime/errors.js';
import type { PendingTimer, StateChange, StateRecord, StateStore } from '../../src/store/StateStore.js';

export const machine = { id: 'order', version: 'v1' };

export function record(path: string, snapshot: unknown, messageId?: string, extra: Partial<StateRecord> = {}): StateRecord {
  return { path, machine, snapshot: snapshot as StateRecord['snapshot'], timers: [], ...(messageId ? { messageId } : {}), ...extra };
}

export const put = (r: StateRecord, fence?: StateChange['fence']): StateChange => ({ op: 'put', record: r, ...(fence ? { fence } : {}) });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

export function storeConformance(make: (options: { processedWindow?: number }) => Promise<StateStore> | StateStore): void {
  const open: StateStore[] = [];
  const fresh = async (options: { processedWindow?: number } = {}) => {
    const store = await make(options);
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('reads back what a commit wrote: snapshot, timers, machine, message id and a first revision', async () => {
    const store = await fresh();
    const timers: PendingTimer[] = [{ id: 'reminder', dueAt: 1_700_000_000_000, event: { type: 'remind', n: 1 } }, { id: 'x', dueAt: 5, event: { type: 'go' }, target: 'root/b' }];
    const [result] = await store.commit([put(record('root/order', { value: 'reserved', context: { n: [1, 'two', null] } }, 'm-1', { timers }))]);
    expect(result).toEqual({ ok: true, path: 'root/order', revision: 1 });
    const loaded = await store.load('root/order');
    expect(loaded).toMatchObject({
      path: 'root/order',
      machine,
      snapshot: { value: 'reserved', context: { n: [1, 'two', null] } },
      timers,
      messageId: 'm-1',
      revision: 1,
      recentMessageIds: ['m-1'],
    });
    expect(typeof loaded?.updatedAt).toBe('number');
    expect(await store.load('root/other')).toBeUndefined();
  });

  it('applies changes to one path in batch order, the last write wins and each put counts a revision', async () => {
    const store = await fresh();
    const results = await store.commit([put(record('a', 1, 'i1')), put(record('b', 'b1')), put(record('a', 2, 'i2')), put(record('a', 3))]);
    expect(results.map((r) => r.ok && r.revision)).toEqual([1, 1, 2, 3]);
    expect((await store.load('a'))?.snapshot).toBe(3);
    expect((await store.load('a'))?.messageId).toBeUndefined();
    expect((await store.load('a'))?.recentMessageIds).toEqual(['i1', 'i2']);
    await store.commit([put(record('a', 4, 'i3'))]);
    expect((await store.load('a'))?.revision).toBe(4);
  });

  it('a delete and a put of the same path in one batch apply in order', async () => {
    const store = await fresh();
    await store.commit([put(record('a', 1, 'old'))]);
    await store.commit([{ op: 'delete', path: 'a' }, put(record('a', 2, 'new'))]);
    expect(await store.load('a')).toMatchObject({ snapshot: 2, revision: 1, recentMessageIds: ['new'] });
    await store.commit([put(record('a', 3)), { op: 'delete', path: 'a' }]);
    expect(await store.load('a')).toBeUndefined();
  });

  it('keeps only the message ids of the last processedWindow commits and answers hasProcessed from them', async () => {
    const store = await fresh({ processedWindow: 3 });
    for (let i = 1; i <= 5; i++) await store.commit([put(record('w', i, `m${i}`))]);
    expect((await store.load('w'))?.recentMessageIds).toEqual(['m3', 'm4', 'm5']);
    expect(await store.hasProcessed('w', 'm5')).toBe(true);
    expect(await store.hasProcessed('w', 'm2')).toBe(false);
    expect(await store.hasProcessed('other', 'm5')).toBe(false);
    // One batch of many commits to one path keeps the window too.
    await store.commit([6, 7, 8, 9].map((i) => put(record('w', i, `m${i}`))));
    expect((await store.load('w'))?.recentMessageIds).toEqual(['m7', 'm8', 'm9']);
  });

  it('delete removes the state and its processed ids and says whether there was any', async () => {
    const store = await fresh();
    await store.commit([put(record('gone', 1, 'm'))]);
    expect(await store.delete('gone')).toBe(true);
    expect(await store.load('gone')).toBeUndefined();
    expect(await store.hasProcessed('gone', 'm')).toBe(false);
    expect(await store.delete('gone')).toBe(false);
  });

  it('lists paths sorted, filtered by prefix, with a summary of each', async () => {
    const store = await fresh();
    await store.commit([put(record('root/b', 1)), put(record('root/a', 1)), put(record('other', 1)), put(record('root/a', 2, undefined, { timers: [{ id: 't', dueAt: 1, event: { type: 'x' } }] }))]);
    expect((await store.list()).map((s) => s.path)).toEqual(['other', 'root/a', 'root/b']);
    const rootOnly = await store.list({ prefix: 'root/' });
    expect(rootOnly.map((s) => s.path)).toEqual(['root/a', 'root/b']);
    expect(rootOnly[0]).toMatchObject({ path: 'root/a', machine, revision: 2, timers: 1 });
    expect(await store.list({ prefix: 'root/%' })).toEqual([]);
  });

  it('gives each acquisition of a lease a higher token and refuses a live lease to another owner', async () => {
    const store = await fresh();
    const a = await store.acquireLease('singleton', 'node-a', { ttl: 60_000 });
    expect(a).toMatchObject({ key: 'singleton', owner: 'node-a', token: 1 });
    expect(await store.acquireLease('singleton', 'node-b', { ttl: 60_000 })).toBeUndefined();
    const again = await store.acquireLease('singleton', 'node-a', { ttl: 60_000 });
    expect(again?.token).toBe(2);
    const forced = await store.acquireLease('singleton', 'node-b', { ttl: 60_000, force: true });
    expect(forced).toMatchObject({ owner: 'node-b', token: 3 });
    expect(await store.readLease('singleton')).toMatchObject({ owner: 'node-b', token: 3 });
    expect(await store.readLease('never')).toBeUndefined();
  });

  it('lets another owner take an expired or released lease, and the token keeps growing', async () => {
    const store = await fresh();
    await store.acquireLease('k', 'node-a', { ttl: 0 });
    const b = await store.acquireLease('k', 'node-b', { ttl: 60_000 });
    expect(b).toMatchObject({ owner: 'node-b', token: 2 });
    await store.releaseLease(b!);
    expect(await store.acquireLease('k', 'node-c', { ttl: 60_000 })).toMatchObject({ owner: 'node-c', token: 3 });
  });

  it('renews a current lease and refuses a stale one with FENCED', async () => {
    const store = await fresh();
    const a = (await store.acquireLease('k', 'node-a', { ttl: 0 }))!;
    const renewed = await store.renewLease(a, 60_000);
    expect(renewed.token).toBe(a.token);
    expect(renewed.expiresAt).toBeGreaterThan(a.expiresAt);
    await store.acquireLease('k', 'node-b', { ttl: 60_000, force: true });
    const err = await rejection(store.renewLease(a, 60_000));
    expect(isArborError(err, 'FENCED')).toBe(true);
    expect((err as { details: unknown }).details).toMatchObject({ key: 'k', token: 1, current: 2 });
  });

  it('applies a fenced write only while its token is current, and the rest of the batch regardless', async () => {
    const store = await fresh();
    const a = (await store.acquireLease('root', 'node-a', { ttl: 60_000 }))!;
    const fenceA = { key: 'root', token: a.token };
    expect((await store.commit([put(record('root', 'a1', 'm1'), fenceA)]))[0]?.ok).toBe(true);
    expect((await store.load('root'))?.fence).toEqual(fenceA);
    await store.acquireLease('root', 'node-b', { ttl: 60_000, force: true });
    const results = await store.commit([put(record('root', 'a2', 'm2'), fenceA), put(record('free', 'x')), put(record('root/child', 'c'), fenceA)]);
    expect(results.map((r) => r.ok)).toEqual([false, true, false]);
    const first = results[0]!;
    expect(!first.ok && isArborError(first.error, 'FENCED')).toBe(true);
    expect(await store.load('root')).toMatchObject({ snapshot: 'a1', recentMessageIds: ['m1'] });
    expect(await store.load('root/child')).toBeUndefined();
    expect((await store.load('free'))?.snapshot).toBe('x');
    // A fence on a key that was never acquired is stale too.
    expect((await store.commit([put(record('z', 1), { key: 'nobody', token: 1 })]))[0]?.ok).toBe(false);
    await expect(store.delete('root', fenceA)).rejects.toMatchObject({ code: 'FENCED' });
    expect(await store.delete('root', { key: 'root', token: 2 })).toBe(true);
  });

  it('refuses a change with a value JSON cannot hold on its own, applying the rest of the batch', async () => {
    const store = await fresh();
    const results = await store.commit([put(record('ok', 1)), put(record('bad', { n: 1n })), put({ ...record('m', 1), machine: { id: 'x' } as never })]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
    const bad = results[1]!;
    expect(!bad.ok && isArborError(bad.error, 'STORE_ERROR')).toBe(true);
    expect(!bad.ok && (bad.error as unknown as { details: unknown }).details).toMatchObject({ path: 'bad', field: 'snapshot' });
    expect((await store.load('ok'))?.snapshot).toBe(1);
    expect(await store.load('bad')).toBeUndefined();
    await expect(store.delete('')).rejects.toMatchObject({ code: 'STORE_ERROR' });
  });

  it('refuses every call after close with STORE_ERROR', async () => {
    const store = await fresh();
    await store.commit([put(record('a', 1))]);
    await store.close();
    await store.close();
    await expect(store.load('a')).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await expect(store.commit([put(record('a', 2))])).rejects.toMatchObject({ code: 'STORE_ERROR' });
  });
}

/**
 * Two owners (two store objects on the same data, as two nodes) keep committing to one singleton
 * path while taking its lease from each other by force. Fencing holds when, in commit order
 * (revision), the tokens of the writes that landed never go down: once a token was superseded,
 * no write with it lands after the one that superseded it. Returns how many writes landed.
 */
export async function fencingRace(a: StateStore, b: StateStore, rounds = 12): Promise<number> {
  const landed: { revision: number; token: number }[] = [];
  const owners = [
    { store: a, name: 'a', token: 0 },
    { store: b, name: 'b', token: 0 },
  ];
  const writer = async (owner: (typeof owners)[number], i: number) => {
    const token = owner.token;
    const [result] = await owner.store.commit([put(record('singleton', { by: owner.name, token, i }), { key: 'singleton', token })]);
    if (result?.ok) landed.push({ revision: result.revision, token });
  };
  for (let round = 0; round < rounds; round++) {
    const owner = owners[round % 2]!;
    const other = owners[(round + 1) % 2]!;
    const lease = await owner.store.acquireLease('singleton', owner.name, { ttl: 60_000, force: true });
    owner.token = lease!.token;
    // Both keep writing, the deposed one with its stale token, while the next takeover starts.
    await Promise.all(Array.from({ length: 6 }, (_, i) => Promise.all([writer(owner, i), writer(other, i)])));
  }
  landed.sort((x, y) => x.revision - y.revision);
  for (let i = 1; i < landed.length; i++) expect(landed[i]!.token).toBeGreaterThanOrEqual(landed[i - 1]!.token);
  const last = await a.load('singleton');
  expect(last?.fence?.token).toBe(landed.at(-1)?.token);
  return landed.length;
}
