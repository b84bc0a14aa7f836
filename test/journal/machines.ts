/** Deterministic workers for journal and replay tests: their final context depends only on the events they get, in order. */
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { supervisor } from '../../src/index.js';

export type AccountEvent =
  | { type: 'deposit'; amount: number; correlationId?: string }
  | { type: 'withdraw'; amount: number; correlationId?: string }
  | { type: 'freeze' }
  | { type: 'thaw' }
  | { type: 'crash' }
  | { type: 'get'; replyTo: AnyActorRef };

/** An account: deposits and withdrawals while active (a withdrawal beyond the balance is rejected), nothing while frozen; `crash` throws. */
export const account = setup({
  types: { context: {} as { balance: number; log: string[] }, events: {} as AccountEvent },
  actions: {
    boom: () => {
      throw new Error('crash requested');
    },
  },
}).createMachine({
  id: 'account',
  context: { balance: 0, log: [] },
  initial: 'active',
  states: {
    active: {
      on: {
        deposit: { actions: assign({ balance: ({ context, event }) => context.balance + event.amount, log: ({ context, event }) => [...context.log, `+${event.amount}`] }) },
        withdraw: [
          {
            guard: ({ context, event }) => event.amount <= context.balance,
            actions: assign({ balance: ({ context, event }) => context.balance - event.amount, log: ({ context, event }) => [...context.log, `-${event.amount}`] }),
          },
          { actions: assign({ log: ({ context, event }) => [...context.log, `rejected -${event.amount}`] }) },
        ],
        freeze: 'frozen',
      },
    },
    frozen: {
      on: {
        thaw: 'active',
        deposit: { actions: assign({ log: ({ context, event }) => [...context.log, `frozen +${event.amount}`] }) },
      },
    },
  },
  on: {
    crash: { actions: 'boom' },
    get: { actions: sendTo(({ event }) => event.replyTo, ({ context }) => ({ type: 'balance', balance: context.balance })) },
  },
});

/** The tree the tests run: two accounts under a forgiving supervisor (crashes restart them afresh). */
export const bank = supervisor({
  strategy: 'one_for_one',
  intensity: 10_000,
  period: 1000,
  children: [
    { id: 'alice', logic: account },
    { id: 'bob', logic: account },
  ],
});

export const ACCOUNTS = ['alice', 'bob'] as const;
