import { afterEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { createSystem, type System } from '../../src/index.js';

let system: System | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const recorder = (seen: string[]) => setup({ actions: { keep: ({ event }) => void seen.push(event.type) } }).createMachine({ on: { '*': { actions: 'keep' } } });

describe('message priorities', () => {
  it('lets an urgent message overtake the normal ones queued, in the order urgent ones were sent', async () => {
    const seen: string[] = [];
    system = await createSystem({ logger: false });
    const ref = system.spawn(recorder(seen), { id: 'r' });
    ref.send({ type: 'n1' });
    ref.send({ type: 'n2' });
    ref.send({ type: 'u1' }, { priority: 'urgent' });
    ref.send({ type: 'n3' }, { priority: 'normal' });
    ref.send({ type: 'u2' }, { priority: 'urgent' });
    await system.idle();
    expect(seen).toEqual(['u1', 'u2', 'n1', 'n2', 'n3']);
  });

  it('makes every message of a type urgent with createSystem({ priorities })', async () => {
    const seen: string[] = [];
    system = await createSystem({ logger: false, priorities: { 'order.cancel': 'urgent', 'order.note': 'normal' } });
    const ref = system.spawn(recorder(seen), { id: 'r' });
    ref.send({ type: 'order.note' });
    ref.send({ type: 'order.place' });
    ref.send({ type: 'order.cancel' });
    await system.idle();
    expect(seen).toEqual(['order.cancel', 'order.note', 'order.place']);
  });

  it('refuses a priority that is neither urgent nor normal, naming the type', async () => {
    await expect(createSystem({ logger: false, priorities: { x: 'high' as never } })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: expect.objectContaining({ field: 'priorities.x' }) });
  });
});
