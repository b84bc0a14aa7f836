/**
 * A planted bug for `checkWorkflow`: a transfer coordinator that loses money when it crashes
 * between the debit and the credit, and a correct coordinator that cannot.
 *
 * The buggy coordinator sends `debit` to the payer, waits for `debited`, then sends `credit` to
 * the payee: between the two sends the transfer lives only in its context, which a crash wipes
 * (the supervisor restarts it fresh, and the `debited` it was processing is dead-lettered). The
 * safe coordinator hands the payer one `debit` that names the payee; the payer debits and sends the
 * `credit` in the same turn, so the money is always in an account or in a message, never only in a
 * memory that a crash can take.
 *
 *   npx arbor check examples/workflows/bank.ts --runs 200
 */
import fc from 'fast-check';
import { assign, enqueueActions, setup } from 'xstate';
import { supervisor, type ActorRef, type System, type WorkflowSpec, type WorkflowView } from '../../src/index.js';

type Lookup = (name: string) => ActorRef;

interface Transfer {
  type: 'transfer';
  from: string;
  to: string;
  amount: number;
}

type AccountEvent =
  | { type: 'debit'; amount: number; from: string; to: string; creditTo?: string }
  | { type: 'credit'; amount: number };

/** An account: refuses a debit it cannot cover; with `creditTo`, forwards the money in the same turn. */
const account = setup({
  types: { context: {} as { balance: number; lookup: Lookup }, input: {} as { balance: number; lookup: Lookup }, events: {} as AccountEvent },
}).createMachine({
  id: 'account',
  context: ({ input }) => ({ balance: input.balance, lookup: input.lookup }),
  on: {
    debit: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const ok = context.balance >= event.amount;
        if (ok) enqueue.assign({ balance: context.balance - event.amount });
        if (ok && event.creditTo !== undefined) context.lookup(event.creditTo).send({ type: 'credit', amount: event.amount });
        else context.lookup('coord').send({ type: ok ? 'debited' : 'refused', amount: event.amount, to: event.to });
      }),
    },
    credit: { actions: assign({ balance: ({ context, event }) => context.balance + event.amount }) },
  },
});

type CoordEvent = Transfer | { type: 'debited'; amount: number; to: string } | { type: 'refused'; amount: number; to: string };

/** The buggy coordinator: the pending credit lives only in its context between two sends. */
const buggyCoordinator = setup({
  types: { context: {} as { lookup: Lookup; queue: Transfer[] }, input: {} as { lookup: Lookup }, events: {} as CoordEvent },
  guards: { queued: ({ context }) => context.queue.length > 0 },
}).createMachine({
  id: 'coordinator',
  context: ({ input }) => ({ lookup: input.lookup, queue: [] }),
  initial: 'idle',
  states: {
    idle: {
      always: {
        guard: 'queued',
        target: 'debiting',
        actions: enqueueActions(({ context, enqueue }) => {
          const [next, ...rest] = context.queue as [Transfer, ...Transfer[]];
          context.lookup(next.from).send({ type: 'debit', amount: next.amount, from: next.from, to: next.to });
          enqueue.assign({ queue: rest });
        }),
      },
      on: { transfer: { actions: assign({ queue: ({ context, event }) => [...context.queue, event] }) } },
    },
    debiting: {
      on: {
        transfer: { actions: assign({ queue: ({ context, event }) => [...context.queue, event] }) },
        debited: { target: 'idle', actions: ({ context, event }) => context.lookup(event.to).send({ type: 'credit', amount: event.amount }) },
        refused: { target: 'idle' },
      },
    },
  },
});

/** The safe coordinator: one message carries the whole transfer. */
const safeCoordinator = setup({
  types: { context: {} as { lookup: Lookup }, input: {} as { lookup: Lookup }, events: {} as CoordEvent },
}).createMachine({
  id: 'coordinator',
  context: ({ input }) => ({ lookup: input.lookup }),
  on: {
    transfer: { actions: ({ context, event }) => context.lookup(event.from).send({ type: 'debit', amount: event.amount, from: event.from, to: event.to, creditTo: event.to }) },
  },
});

/** The bank: two accounts of 100 and a coordinator, restarted on a crash (at most 5 times a second). */
function bank(coordinator: typeof buggyCoordinator | typeof safeCoordinator) {
  return (system: System) => {
    const lookup: Lookup = (name) => system.lookup(`root/${name}`) as ActorRef;
    return supervisor({
      intensity: 5,
      period: 1000,
      children: [
        { id: 'alice', logic: account, input: { balance: 100, lookup } },
        { id: 'bob', logic: account, input: { balance: 100, lookup } },
        { id: 'coord', logic: coordinator, input: { lookup } },
      ],
    });
  };
}

const balance = (view: WorkflowView, who: string): number => (view.snapshot(`root/${who}`) as { context: { balance: number } }).context.balance;

const transfer = fc.record({
  to: fc.constant('root/coord'),
  event: fc.oneof(fc.constant({ from: 'alice', to: 'bob' }), fc.constant({ from: 'bob', to: 'alice' })).chain((dir) => fc.integer({ min: 1, max: 150 }).map((amount) => ({ type: 'transfer', ...dir, amount }))),
});

function transfers(name: string, coordinator: typeof buggyCoordinator | typeof safeCoordinator): WorkflowSpec {
  return {
    name,
    root: bank(coordinator),
    inputs: fc.array(transfer, { minLength: 1, maxLength: 4 }),
    faults: { crash: ['root/coord'], maxFaults: 2 },
    invariants: { 'no negative balance': (view) => balance(view, 'alice') >= 0 && balance(view, 'bob') >= 0 },
    eventually: { 'money is conserved': (view) => balance(view, 'alice') + balance(view, 'bob') === 200 },
  };
}

/** The planted bug: found, and shrunk to a crash between the debit and the credit. */
export const buggyTransfers = transfers('transfers (buggy coordinator)', buggyCoordinator);
/** The fix: passes under the same crashes. */
export const safeTransfers = transfers('transfers (safe coordinator)', safeCoordinator);

export const workflows = { buggyTransfers, safeTransfers };
