import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { createEvent, idempotent, type PatternEvent } from '../../src/index.js';
import { testSystem } from '../fixtures/workers.js';

type Ev = PatternEvent<{ n: number }, 'add' | 'mul'>;

/** Order-sensitive arithmetic: a skipped or repeated event changes the result. */
const calculator = setup({ types: { context: {} as { acc: number; log: string[] }, events: {} as Ev } }).createMachine({
  context: { acc: 1, log: [] },
  on: {
    add: { actions: assign({ acc: ({ context, event }) => context.acc + event.data.n, log: ({ context, event }) => [...context.log, event.id] }) },
    mul: { actions: assign({ acc: ({ context, event }) => (context.acc * event.data.n) % 1_000_003, log: ({ context, event }) => [...context.log, event.id] }) },
  },
});

let seq = 0;
const event = (type: 'add' | 'mul', n: number): Ev => createEvent(type, { n }, { source: 'test', id: () => `e${++seq}` });

function run(logic: typeof calculator, events: readonly Ev[]) {
  const actor = createActor(logic, { logger: () => undefined }).start();
  for (const e of events) actor.send(e);
  return actor.getSnapshot().context;
}

describe('idempotent', () => {
  it('gives the same final state as the plain logic fed the de-duplicated sequence (property)', () => {
    const originals = fc.array(fc.tuple(fc.constantFrom('add' as const, 'mul' as const), fc.integer({ min: -5, max: 9 })), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(originals, fc.array(fc.nat(), { maxLength: 40 }), (specs, picks) => {
        const unique = specs.map(([type, n]) => event(type, n));
        // Interleave redeliveries of already-sent events among the originals.
        const sequence: Ev[] = [];
        let p = 0;
        for (const e of unique) {
          sequence.push(e);
          while (p < picks.length && picks[p]! % 3 === 0) sequence.push(sequence[picks[p++]! % sequence.length]!);
          p++;
        }
        const wrapped = run(idempotent(calculator, { capacity: unique.length }), sequence);
        expect(wrapped).toEqual(run(calculator, unique));
      }),
      { numRuns: 300 },
    );
  });

  it('counts skipped duplicates and reports each to onDuplicate', () => {
    const skipped: string[] = [];
    const logic = idempotent(calculator, { onDuplicate: (e) => skipped.push(e.id) });
    const a = event('add', 2);
    const b = event('add', 3);
    expect(run(logic, [a, a, b, a, b]).acc).toBe(6);
    expect(logic.idempotency).toEqual({ processed: 2, duplicates: 3 });
    expect(skipped).toEqual([a.id, a.id, b.id]);
  });

  it('forgets the least recently seen id once more than capacity ids came in between', () => {
    const logic = idempotent(calculator, { capacity: 2 });
    const [a, b, c] = [event('add', 1), event('add', 10), event('add', 100)];
    // a, b fill the set; c evicts a; the second a is processed again.
    expect(run(logic, [a, b, c, a]).acc).toBe(1 + 1 + 10 + 100 + 1);
  });

  it('passes events without an id through untouched', () => {
    const counter = setup({ types: { context: {} as { n: number } } }).createMachine({ context: { n: 0 }, on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } } });
    const actor = createActor(idempotent(counter)).start();
    actor.send({ type: 'tick' });
    actor.send({ type: 'tick' });
    expect(actor.getSnapshot().context.n).toBe(2);
  });

  it('runs as an Arbor worker, one seen-id set per actor', async () => {
    const { system } = await testSystem();
    const logic = idempotent(calculator);
    const x = system.spawn(logic, { id: 'x' });
    const y = system.spawn(logic, { id: 'y' });
    const a = event('add', 4);
    for (const ref of [x, y, x, y]) ref.send(a);
    await system.idle();
    for (const ref of [x, y]) expect((ref.getSnapshot() as { context: { acc: number } }).context.acc).toBe(5);
    expect(logic.idempotency.duplicates).toBe(2);
    await system.shutdown();
  });

  it('rejects logic that is not actor logic and a bad capacity', () => {
    expect(() => idempotent({} as never)).toThrow(TypeError);
    expect(() => idempotent(calculator, { capacity: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'capacity', value: 0 }));
  });
});
