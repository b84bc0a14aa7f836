import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setup, assign } from 'xstate';
import { chain, type ChainOutput } from '../../src/patterns/chain.js';
import { createEvent, type PatternEvent } from '../../src/patterns/event.js';
import { scatterGather, type GatherOutput } from '../../src/patterns/scatter-gather.js';
import { publisher } from '../../src/patterns/choreography.js';
import type { System } from '../../src/create-system.js';
import { localStore } from '../../src/store/LocalStore.js';
import { estimator } from './fixtures/estimator.js';
import { systemAt, tempDir, until } from './helpers.js';

let dir: { path: string; cleanup(): void };
afterEach(() => dir?.cleanup());

const NAMES = ['w0', 'w1', 'w2', 'w3'];

/** Roots w0..w3 (plain, not durable) and a durable gather `g` over them; `silent` workers never reply. */
function startGather(system: System, ledger: string[], silent: Set<string>) {
  const workers = NAMES.map((name) => system.spawn(estimator(name, (n) => ledger.push(n), silent), { id: name }));
  return system.spawn(scatterGather<{ value: string }>({ deadline: 600_000 }), { id: 'g', durable: true, input: { workers, request: { type: 'estimate' } } });
}

const count = (ledger: readonly string[], name: string) => ledger.filter((n) => n === name).length;

describe('a durable scatterGather', () => {
  it('stopped after k of n replies resumes with those k and asks only the others again', async () => {
    dir = tempDir();
    const ledger: string[] = [];
    const silent = new Set(['w2', 'w3']);
    const first = await systemAt(dir.path);
    startGather(first, ledger, silent);
    await until(() => ledger.length === 4);
    await first.idle();
    await first.shutdown();
    // What was committed: the two replies, and the two asks still pending.
    const store = localStore(join(dir.path, 'a'));
    const stored = (await store.load('arbor://a/g'))?.snapshot as { context: { workers: unknown[]; pending: number[]; results: { worker: string }[] } };
    await store.close();
    expect(stored.context.workers).toEqual(NAMES.map((n) => `arbor://a/${n}`));
    expect(stored.context.results.map((r) => r.worker).sort()).toEqual(['arbor://a/w0', 'arbor://a/w1']);
    expect(stored.context.pending).toEqual([2, 3]);

    silent.clear();
    const second = await systemAt(dir.path);
    const out = (await startGather(second, ledger, silent).result()) as GatherOutput<{ value: string }>;
    expect(out.ok).toBe(true);
    expect(out.results.map((r) => r.reply.value).sort()).toEqual(NAMES);
    // w0 and w1 were asked once; w2 and w3, whose replies never came, twice.
    expect(NAMES.map((n) => count(ledger, n))).toEqual([1, 1, 2, 2]);
    await second.shutdown();
  });
});

/** Records every event it is sent. */
const collector = setup({ types: { context: {} as { seen: PatternEvent[] }, events: {} as PatternEvent } }).createMachine({
  context: { seen: [] },
  on: { '*': { actions: assign({ seen: ({ context, event }) => [...context.seen, event] }) } },
});

function article(ran: string[], hang: { draft: boolean }) {
  return chain([
    { on: 'research.requested', emit: 'research.done', run: async () => (ran.push('research'), ['a source']) },
    { on: 'research.done', emit: 'draft.done', run: () => (ran.push('draft'), hang.draft ? new Promise<never>(() => {}) : Promise.resolve('a draft')) },
    { on: 'draft.done', emit: 'article.published', run: async () => (ran.push('publish'), 'published') },
  ]);
}

const seenTypes = (system: System, id: string) => ((system.lookup(id)?.getSnapshot() as { context: { seen: PatternEvent[] } }).context.seen ?? []).map((e) => e.type);

describe('a durable chain with a sink', () => {
  it('keeps its position and its sink: a resumed chain runs only the stages left and emits only their events', async () => {
    dir = tempDir();
    const ran: string[] = [];
    const hang = { draft: true };
    const first = await systemAt(dir.path);
    const sink = first.spawn(collector, { id: 'sink' });
    first.spawn(article(ran, hang), { id: 'article-1', durable: true, input: { sink } }).send(createEvent('research.requested', { topic: 'x' }, { source: 'planner' }));
    await until(() => ran.length === 2);
    await first.idle();
    expect(seenTypes(first, 'sink')).toEqual(['research.done']);
    await first.shutdown();

    hang.draft = false;
    const second = await systemAt(dir.path);
    second.spawn(collector, { id: 'sink' });
    const out = (await second.spawn(article(ran, hang), { id: 'article-1', durable: true }).result()) as ChainOutput;
    await second.idle();
    expect(out.status).toBe('completed');
    expect(ran).toEqual(['research', 'draft', 'draft', 'publish']);
    expect(seenTypes(second, 'sink')).toEqual(['draft.done', 'article.published']);
    await second.shutdown();
  });

  it('keeps a publisher sink as its path: the resumed chain publishes to the topic subscribers', async () => {
    dir = tempDir();
    const ran: string[] = [];
    const hang = { draft: true };
    const first = await systemAt(dir.path);
    first.spawn(article(ran, hang), { id: 'article-2', durable: true, input: { sink: publisher(first) } }).send(createEvent('research.requested', { topic: 'x' }, { source: 'planner' }));
    await until(() => ran.length === 2);
    await first.idle();
    await first.shutdown();

    hang.draft = false;
    const second = await systemAt(dir.path);
    const sub = second.spawn(collector, { id: 'subscriber' });
    second.subscribe('*.*', sub);
    await second.spawn(article(ran, hang), { id: 'article-2', durable: true }).result();
    await second.idle();
    expect(seenTypes(second, 'subscriber')).toEqual(['draft.done', 'article.published']);
    await second.shutdown();
  });
});

describe('a scatterGather over a work pool', () => {
  it('keeps the pool ref as its path and still asks the pool (a pool path looks up as the pool)', async () => {
    dir = tempDir();
    const ledger: string[] = [];
    const system = await systemAt(dir.path);
    const stop = await system.servePool('estimators', system.spawn(estimator('p0', (n) => ledger.push(n)), { id: 'p0' }));
    const pool = system.poolRef('estimators');
    expect(system.lookup(pool.path)?.path).toBe(pool.path);
    const g = system.spawn(scatterGather<{ value: string }>({ deadline: 60_000 }), { id: 'g', durable: true, input: { workers: [pool], request: { type: 'estimate' } } });
    const out = (await g.result()) as GatherOutput<{ value: string }>;
    expect(out).toMatchObject({ ok: true, results: [{ worker: pool.path, reply: { value: 'p0' } }] });
    expect(ledger).toEqual(['p0']);
    await stop();
    await system.shutdown();
  });
});
