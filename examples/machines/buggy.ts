/**
 * A deliberately broken machine, for tests and for seeing what `arbor check` reports: an action
 * and a guard that throw, a state nothing leaves, a state nothing reaches, and an invariant that
 * three `inc` events break.
 */
import { assign, setup } from 'xstate';
import type { CheckOptions } from '../../src/check/index.js';

export const buggyMachine = setup({
  types: {
    context: {} as { count: number },
    events: {} as { type: 'inc' } | { type: 'arm' } | { type: 'fire' } | { type: 'check' } | { type: 'disarm' } | { type: 'jam' },
  },
  actions: {
    launch: () => {
      throw new Error('the launcher exploded');
    },
  },
  guards: {
    sensorOk: () => {
      throw new Error('sensor offline');
    },
  },
}).createMachine({
  id: 'buggy',
  initial: 'idle',
  context: { count: 0 },
  states: {
    idle: {
      on: {
        inc: { actions: assign({ count: ({ context }) => context.count + 1 }) },
        arm: 'armed',
        jam: 'stuck',
      },
    },
    armed: {
      on: {
        fire: { actions: 'launch' },
        check: { guard: 'sensorOk', target: 'idle' },
        disarm: 'idle',
      },
    },
    // Nothing leaves this state: a deadlock.
    stuck: {},
    // Nothing enters this state: unreachable.
    orphan: { on: { inc: 'idle' } },
  },
});

export const buggyChecks = {
  invariants: { 'count stays below 3': (snapshot) => snapshot.context.count < 3 },
} satisfies CheckOptions<typeof buggyMachine>;

/** As a CLI module: `arbor check examples/machines/buggy.ts` exits 1. */
export const machines = { buggy: buggyMachine };
export const checks = { buggy: buggyChecks };
