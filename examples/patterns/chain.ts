// Event chaining: research → draft → review → publish, each stage validated. A draft that still
// has a TODO is rejected at review and routed to the failure handler with the reason. Then the
// same pipeline with agents as actors (ask stages, `to`): each agent's answer goes on to the next
// agent as a routing slip, wherever in the cluster they run, and the chain keeps every event.
// Run: npx tsx examples/patterns/chain.ts
import { assign, setup, type AnyActorRef } from 'xstate';
import { chain, createEvent, createSystem, type PatternEvent } from '../../src/index.js';

const printer = setup({ types: { context: {} as { n: number }, events: {} as PatternEvent } }).createMachine({
  context: { n: 0 },
  on: { '*': { actions: [assign({ n: ({ context }) => context.n + 1 }), ({ event }) => console.log(`  ${event.type.padEnd(18)} caused by …${event.causationId.slice(-14).padEnd(14)}  data: ${JSON.stringify(event.data)}`)] } },
});

const article = (draft: (notes: string[]) => string) =>
  chain(
    [
      { on: 'research.requested', emit: 'research.done', run: (d: { topic: string }) => [`${d.topic} are isolated`, `${d.topic} restart`], validate: (notes: string[]) => notes.length > 0 || 'no notes' },
      { on: 'research.done', emit: 'draft.done', run: draft },
      { on: 'draft.done', emit: 'review.done', run: (text: string) => text, validate: (text: string) => (text.includes('TODO') ? 'draft still has a TODO' : true) },
      { on: 'review.done', emit: 'article.published', name: 'publish', run: (text: string) => ({ url: `/articles/${text.length}` }) },
    ],
    { id: 'article' },
  );

const system = await createSystem({ logger: false });
const sink = system.spawn(printer, { id: 'sink' });
const deadLetters = system.spawn(printer, { id: 'dead-letters' });
for (const [id, draft] of [
  ['good', (notes: string[]) => notes.join('. ')],
  ['sloppy', () => 'TODO: write the article'],
] as const) {
  console.log(`workflow ${id}:`);
  const ref = system.spawn(article(draft), { id, input: { sink, onFailure: deadLetters } });
  ref.send(createEvent('research.requested', { topic: 'actors' }, { source: 'planner' }));
  const out = await ref.result();
  console.log(`  → ${out.status}${out.failure ? ` at ${out.failure.stage} (${out.failure.kind}): ${out.failure.reason}` : ''}\n`);
}
// Agents as actors: each answers the event it is asked with `{ type: 'answer', text }`.
const agent = (work: (got: unknown) => string) =>
  setup({ types: { events: {} as PatternEvent & { replyTo: AnyActorRef } } }).createMachine({
    on: { '*': { actions: ({ event }) => event.replyTo.send({ type: 'answer', text: work(event.data) }) } },
  });
const textOf = (got: unknown) => (got as { text?: string }).text ?? JSON.stringify(got);
const researcher = system.spawn(agent((got) => `notes on ${(got as { topic: string }).topic}`), { id: 'researcher' });
const writer = system.spawn(agent((got) => `an article from ${textOf(got)}`), { id: 'writer' });
const reviewer = system.spawn(agent((got) => `${textOf(got)}, reviewed`), { id: 'reviewer' });
console.log('workflow agents (ask stages, a routing slip):');
const agents = chain(
  [
    { on: 'research.requested', emit: 'research.done', to: researcher, timeout: 2000 },
    { on: 'research.done', emit: 'draft.done', to: writer, timeout: 2000 },
    { on: 'draft.done', emit: 'review.done', to: reviewer, timeout: 2000, validate: (answer) => textOf(answer).length > 0 || 'empty review' },
  ],
  { id: 'article' },
);
const ref = system.spawn(agents, { id: 'agents', input: { sink } });
ref.send(createEvent('research.requested', { topic: 'actors' }, { source: 'planner' }));
const out = await ref.result();
console.log(`  → ${out.status}: ${textOf(out.events.at(-1)?.data)}\n`);
await system.shutdown();
