import { afterEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import { createSystem, type StandardSchemaV1, type System } from '../../src/index.js';

let system: System | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const orderPlaced = z.object({ type: z.literal('order.placed'), orderId: z.string(), qty: z.number().int().positive() });

/** A hand-written Standard Schema: `amount` must be a number. */
const payment: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'hand-written',
    validate: (value) =>
      typeof (value as { amount?: unknown }).amount === 'number' ? { value } : { issues: [{ message: 'amount must be a number', path: ['amount'] }] },
  },
};

const sink = (seen: unknown[]) => setup({ actions: { keep: ({ event }) => void seen.push(event) } }).createMachine({ on: { '*': { actions: 'keep' } } });

describe('createSystem({ schemas })', () => {
  it('throws INVALID_EVENT at the sender with the issues (zod), and delivers valid events', async () => {
    const seen: unknown[] = [];
    system = await createSystem({ logger: false, schemas: { 'order.placed': orderPlaced } });
    const ref = system.spawn(sink(seen), { id: 'orders' });
    expect(() => ref.send({ type: 'order.placed', orderId: 'o-1', qty: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT', details: expect.objectContaining({ type: 'order.placed', issues: [expect.objectContaining({ path: 'qty' })] }) }),
    );
    ref.send({ type: 'order.placed', orderId: 'o-2', qty: 2 });
    ref.send({ type: 'unregistered', anything: true });
    await system.idle();
    expect(seen).toEqual([{ type: 'order.placed', orderId: 'o-2', qty: 2 }, { type: 'unregistered', anything: true }]);
  });

  it('refuses invalid publishes and asks too, with a hand-written schema', async () => {
    system = await createSystem({ logger: false, schemas: { 'payment.made': payment } });
    const ref = system.spawn(sink([]), { id: 'p' });
    expect(() => system!.publish({ type: 'payment.made', amount: '12' })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT', message: 'invalid "payment.made" event: amount: amount must be a number' }));
    await expect(Promise.resolve().then(() => ref.ask({ type: 'payment.made' }, { timeout: 100 }))).rejects.toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('refuses an event with a newer schemaVersion than the one registered, with SCHEMA_VERSION', async () => {
    system = await createSystem({ logger: false, schemas: { 'order.placed': { schema: orderPlaced.passthrough(), version: 2 } } });
    const ref = system.spawn(sink([]), { id: 'orders' });
    expect(() => ref.send({ type: 'order.placed', orderId: 'o', qty: 1, schemaVersion: 3 })).toThrow(expect.objectContaining({ code: 'SCHEMA_VERSION', details: { type: 'order.placed', schemaVersion: 3, known: 2 } }));
    expect(() => ref.send({ type: 'order.placed', orderId: 'o', qty: 1, schemaVersion: 2 })).not.toThrow();
  });

  it('rejects an entry that is not a Standard Schema, naming the type', async () => {
    await expect(createSystem({ logger: false, schemas: { 'x.y': { parse: () => undefined } as never } })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: expect.objectContaining({ field: 'schemas.x.y' }) });
  });
});
