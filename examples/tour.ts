// The README's tour of the API, runnable: npx tsx examples/tour.ts
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { createSystem, supervisor } from '../src/index.js';

// Any XState logic is a worker. It crashes when an action throws, and exits normally at a final state.
const counter = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'inc' } | { type: 'get'; replyTo: AnyActorRef } | { type: 'stop' } },
}).createMachine({
  context: { n: 0 },
  initial: 'counting',
  states: {
    counting: {
      on: {
        inc: { actions: assign({ n: ({ context }) => context.n + 1 }) },
        get: { actions: sendTo(({ event }) => event.replyTo, ({ context }) => ({ type: 'count', n: context.n })) },
        stop: 'done',
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.n,
});

const system = await createSystem({ node: 'node-a', logger: false });
const root = system.spawn(
  supervisor({
    strategy: 'one_for_one', intensity: 3, period: 5000,        // OTP defaults are 1 and 5000
    aggregate: { policy: 'all' },                                // the root's result: { a: ..., b: ... }
    children: [
      { id: 'a', logic: counter, restart: 'transient' },
      { id: 'b', logic: counter, restart: 'transient' },
    ],
  }),
  { id: 'root' },
);

const a = system.lookup('arbor://node-a/root/a')!;                // or system.lookup('root/a')
a.send({ type: 'inc' });                                          // async, never on the caller's stack
console.log(await a.ask({ type: 'get' }, { timeout: 1000 }));     // { type: 'count', n: 1 }
system.on('report', (r) => console.log(r.kind, r.child));         // child_started, child_exited, ...
a.send({ type: 'stop' });
system.lookup('root/b')!.send({ type: 'stop' });
console.log(await root.result());                                 // { a: 1, b: 0 }
await system.shutdown();
