/**
 * The rule behind `UNHANDLED_EVENT`: `namesEvent` says an event is handled exactly when XState,
 * given that event, takes a transition (checked on generated machines with exact, partial
 * `a.*` and wildcard descriptors on a state and its parent).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { namesEvent } from '../../src/actors/unhandled.js';

const DESCRIPTORS = ['a', 'a.b', 'a.*', 'a.b.*', 'b', 'b.c', '*'];
const TYPES = ['a', 'a.b', 'a.b.c', 'ab', 'b', 'b.c', 'b.cd', 'c'];

describe('namesEvent', () => {
  it('agrees with XState on whether a machine takes an event', () => {
    fc.assert(
      fc.property(fc.subarray(DESCRIPTORS), fc.subarray(DESCRIPTORS), fc.constantFrom(...TYPES), (outer, inner, type) => {
        const taken: string[] = [];
        const on = (ds: string[]) => Object.fromEntries(ds.map((d) => [d, { actions: () => taken.push(d) }]));
        const machine = createMachine({ initial: 'p', on: on(outer), states: { p: { initial: 'q', states: { q: { on: on(inner) } } } } });
        const actor = createActor(machine).start();
        const named = namesEvent(actor.getSnapshot(), type);
        actor.send({ type });
        expect(named).toBe(taken.length > 0);
      }),
      { numRuns: 300 },
    );
  });
});
