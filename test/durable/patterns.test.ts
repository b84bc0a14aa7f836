import { afterEach, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { chain, type ChainOutput } from '../../src/patterns/chain.js';
import { createEvent } from '../../src/patterns/event.js';
import { saga, type SagaOutput } from '../../src/patterns/saga.js';
import { systemAt, tempDir, until } from './helpers.js';

let dir: { path: string; cleanup(): void };
afterEach(() => dir?.cleanup());

/** A 4-step saga whose steps append `<name> <idempotencyKey>` to `ledger`; step `c` hangs while `hang` says so. */
function publisher(ledger: string[], hang: { c: boolean }) {
  const step = (name: string) => ({
    name,
    run: ({ idempotencyKey }: { idempotencyKey: string }) => {
      ledger.push(`${name} ${idempotencyKey}`);
      return name === 'c' && hang.c ? new Promise<never>(() => {}) : Promise.resolve(`${name}-done`);
    },
  });
  return saga({ id: 'publish', steps: [step('a'), step('b'), step('c'), step('d')] });
}

describe('a durable saga', () => {
  it('never runs a step whose completion was committed again, and gives a resumed step the same idempotency key', async () => {
    dir = tempDir();
    const ledger: string[] = [];
    const hang = { c: true };
    const first = await systemAt(dir.path);
    first.spawn(publisher(ledger, hang), { id: 'order-1', durable: true });
    await until(() => ledger.length === 3);
    await first.idle();
    await first.shutdown();

    hang.c = false;
    const second = await systemAt(dir.path);
    const ref = second.spawn(publisher(ledger, hang), { id: 'order-1', durable: true });
    const out = (await ref.result()) as SagaOutput;
    expect(out.status).toBe('completed');
    expect(out.results).toEqual({ a: 'a-done', b: 'b-done', c: 'c-done', d: 'd-done' });
    expect(ledger).toEqual(['a arbor://a/order-1/a', 'b arbor://a/order-1/b', 'c arbor://a/order-1/c', 'c arbor://a/order-1/c', 'd arbor://a/order-1/d']);
    await second.shutdown();
  });
});

describe('a durable chain (without a sink)', () => {
  it('keeps its position: a stage that completed is not run again after a restart', async () => {
    dir = tempDir();
    const ran: string[] = [];
    const hang = { draft: true };
    const article = () =>
      chain([
        { on: 'research.requested', emit: 'research.done', run: async () => (ran.push('research'), ['a source']) },
        { on: 'research.done', emit: 'draft.done', run: () => (ran.push('draft'), hang.draft ? new Promise<never>(() => {}) : Promise.resolve('a draft')) },
        { on: 'draft.done', emit: 'article.published', run: async () => (ran.push('publish'), 'published') },
      ]);
    const first = await systemAt(dir.path);
    first.spawn(article(), { id: 'article-1', durable: true }).send(createEvent('research.requested', { topic: 'x' }, { source: 'planner' }));
    await until(() => ran.length === 2);
    await first.idle();
    await first.shutdown();

    hang.draft = false;
    const second = await systemAt(dir.path);
    const out = (await second.spawn(article(), { id: 'article-1', durable: true }).result()) as ChainOutput;
    expect(out.status).toBe('completed');
    expect(out.events.map((e) => e.type)).toEqual(['research.requested', 'research.done', 'draft.done', 'article.published']);
    expect(ran).toEqual(['research', 'draft', 'draft', 'publish']);
    await second.shutdown();
  });
});

describe('a durable actor that invokes a saga', () => {
  it('commits the saga’s steps as they complete: resumed, it does not run a completed step again', async () => {
    dir = tempDir();
    const ledger: string[] = [];
    const hang = { c: true };
    const parent = () =>
      setup({ actors: { order: publisher(ledger, hang) } }).createMachine({
        id: 'parent',
        initial: 'running',
        states: { running: { invoke: { id: 'saga', src: 'order', onDone: { target: 'done', actions: assign({ status: ({ event }) => (event.output as SagaOutput).status }) } } }, done: { type: 'final' } },
        context: { status: '' },
        output: ({ context }) => context.status,
      });
    const first = await systemAt(dir.path);
    first.spawn(parent(), { id: 'p', durable: true });
    await until(() => ledger.length === 3);
    await first.idle();
    await first.shutdown();

    hang.c = false;
    const second = await systemAt(dir.path);
    expect(await second.spawn(parent(), { id: 'p', durable: true }).result()).toBe('completed');
    expect(ledger.map((l) => l.split(' ')[0])).toEqual(['a', 'b', 'c', 'c', 'd']);
    await second.shutdown();
  });
});
