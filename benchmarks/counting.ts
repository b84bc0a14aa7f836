/**
 * Counting (Savina "Count"): one producer sends N `{ type: 'inc' }` events to one counter actor,
 * then asks it for the count.
 *
 * Arbor: `ref.send` N times (each event is queued in the runtime-owned mailbox and delivered by
 * the dispatcher), then `ref.ask({ type: 'get' })`, which resolves once every `inc` before it has
 * been processed. Baseline: the same machine as a raw XState actor, `actor.send` N times in a
 * loop (XState processes each synchronously), then the count is read from the snapshot. Both
 * sides make a fresh event object per send, use a freshly started actor per run, and check the
 * count before the run counts.
 */
import { assign, createActor, sendTo, setup } from 'xstate';
import { createSystem, type ActorRef } from '../src/index.js';
import { compare, rateResult, type Result, type ScenarioOptions, type Side, target } from './harness.js';

type CounterEvent = { type: 'inc' } | { type: 'get'; replyTo: ActorRef };

const counter = setup({
  types: { context: {} as { n: number }, events: {} as CounterEvent },
}).createMachine({
  context: { n: 0 },
  on: {
    inc: { actions: assign({ n: ({ context }) => context.n + 1 }) },
    get: { actions: sendTo(({ event }) => target(event.replyTo), ({ context }) => ({ type: 'count', n: context.n })) },
  },
});

function check(n: number, expected: number): void {
  if (n !== expected) throw new Error(`counting: counted ${n}, expected ${expected}`);
}

/** The Arbor side; `create` is another build's `createSystem` for the `nil-cost` scenario. */
export function arborSide(messages: number, create: typeof createSystem = createSystem): Side {
  return {
    async setup() {
      // The default mailbox holds 100 000 messages; this producer queues them all before the first is processed.
      const system = await create({ node: 'bench', logger: false, mailbox: { capacity: Infinity } });
      const ref = system.spawn(counter, { id: 'counter' });
      return {
        run: async () => {
          for (let i = 0; i < messages; i++) ref.send({ type: 'inc' });
          const reply = await ref.ask<{ n: number }>({ type: 'get' }, { timeout: 300_000 });
          check(reply.n, messages);
        },
        teardown: () => system.shutdown(),
      };
    },
  };
}

function xstateSide(messages: number): Side {
  return {
    async setup() {
      const actor = createActor(counter).start();
      return {
        run: () => {
          for (let i = 0; i < messages; i++) actor.send({ type: 'inc' });
          check(actor.getSnapshot().context.n, messages);
        },
        teardown: () => void actor.stop(),
      };
    },
  };
}

export async function counting({ quick }: ScenarioOptions): Promise<Result[]> {
  const messages = quick ? 50_000 : 1_000_000;
  const timing = await compare(arborSide(messages), xstateSide(messages), quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 });
  return [rateResult({ id: 'counting', unit: 'msgs/s', baselineName: 'xstate actor.send', target: 1.0 }, messages, timing)];
}
