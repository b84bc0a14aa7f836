import { afterEach, describe, expect, it } from 'vitest';
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
