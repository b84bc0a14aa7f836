/**
 * A counter whose context grows without bound: the checker must still terminate on it. `dec` is
 * guarded so the count never goes negative, which the example invariant states.
 */
import { assign, setup } from 'xstate';

export const counterMachine = setup({
  types: {
    context: {} as { count: number },
    events: {} as { type: 'inc' } | { type: 'dec' } | { type: 'reset' } | { type: 'stop' },
  },
  guards: { isPositive: ({ context }) => context.count > 0 },
}).createMachine({
  id: 'counter',
  initial: 'active',
  context: { count: 0 },
  states: {
    active: {
      on: {
        inc: { actions: assign({ count: ({ context }) => context.count + 1 }) },
        dec: { guard: 'isPositive', actions: assign({ count: ({ context }) => context.count - 1 }) },
        reset: { actions: assign({ count: 0 }) },
        stop: 'stopped',
      },
    },
    stopped: { type: 'final' },
  },
});
