// Fan-out / scatter-gather: one request to three estimators, a quorum of replies, a deadline.
// Run: npx tsx examples/patterns/scatter-gather.ts
import { sendTo, setup, type AnyActorRef } from 'xstate';
import { createSystem, scatterGather, toMermaid } from '../../src/index.js';

// An estimator answers after `ms` (on the system clock); a slow one misses the deadline.
const estimator = setup({
  types: { input: {} as { ms: number; value: number }, context: {} as { ms: number; value: number; replyTo?: AnyActorRef }, events: {} as { type: 'estimate'; replyTo: AnyActorRef } },
  delays: { think: ({ context }) => context.ms },
}).createMachine({
  context: ({ input }) => input,
  initial: 'idle',
  states: {
    idle: { on: { estimate: { target: 'thinking', actions: ({ context, event }) => void (context.replyTo = event.replyTo) } } },
    thinking: { after: { think: { target: 'idle', actions: sendTo(({ context }) => context.replyTo!, ({ context }) => ({ type: 'estimate.done', value: context.value })) } } },
  },
});

const system = await createSystem({ logger: false });
const workers = [
  system.spawn(estimator, { id: 'fast', input: { ms: 50, value: 10 } }),
  system.spawn(estimator, { id: 'medium', input: { ms: 120, value: 12 } }),
  system.spawn(estimator, { id: 'stuck', input: { ms: 60_000, value: 99 } }),
];
const gather = scatterGather<{ value: number }>({ policy: 'quorum', deadline: 1000, onPartialFailure: 'proceed', id: 'estimate' });
const ref = system.spawn(gather, { id: 'gather', input: { workers, request: { type: 'estimate' } } });
const out = await ref.result();
console.log('ok:', out.ok, 'timedOut:', out.timedOut);
console.log('results:', out.results.map((r) => `${r.worker} → ${r.reply.value}`));
console.log('\n' + toMermaid(gather));
await system.shutdown();
