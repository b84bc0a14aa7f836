/**
 * The worker of the pool scenarios: a simulated agent that takes `{ type: 'call', id, replyTo }`,
 * invokes a call of `ms` (a timer standing in for an LLM or tool call), then tells `replyTo`
 * `{ type: 'done', id }` and is idle again. Its pool message is acked when the call has finished
 * (the invoked promise settled), so a node takes only as many calls as it has idle agents.
 */
import { assign, fromPromise, sendTo, setup, type AnyActorRef } from 'xstate';

export interface Call {
  type: 'call';
  id: number;
  replyTo: AnyActorRef;
}

export function agent(ms: number) {
  const call = fromPromise<void>(() => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve()));
  return setup({
    types: { context: {} as { job: Call | undefined }, events: {} as Call },
    actors: { call },
  }).createMachine({
    context: { job: undefined },
    initial: 'idle',
    states: {
      idle: { on: { call: { target: 'calling', actions: assign({ job: ({ event }) => event }) } } },
      calling: {
        invoke: {
          src: 'call',
          onDone: {
            target: 'idle',
            actions: [sendTo(({ context }) => context.job?.replyTo as AnyActorRef, ({ context }) => ({ type: 'done', id: context.job?.id })), assign({ job: undefined })],
          },
        },
      },
    },
  });
}

/** Counts `done` replies; `expect(n)` resolves once `n` more have arrived. */
export function doneCounter() {
  let seen = 0;
  let waiter: { at: number; resolve: () => void } | undefined;
  const logic = setup({ types: { events: {} as { type: 'done'; id: number } } }).createMachine({
    on: {
      done: {
        actions: () => {
          seen++;
          if (waiter && seen >= waiter.at) {
            waiter.resolve();
            waiter = undefined;
          }
        },
      },
    },
  });
  return {
    logic,
    expect: (n: number) => new Promise<void>((resolve) => {
      const at = seen + n;
      if (seen >= at) resolve();
      else waiter = { at, resolve };
    }),
  };
}
