// Choreography: no coordinator. The researcher reacts to research.requested, the writer to
// research.done; an auditor joins later on '#' and sees everything, with no producer changed.
// Run: npx tsx examples/patterns/choreography.ts
import { setup } from 'xstate';
import { choreography, createEvent, createSystem, idempotent, publisher, reactor, type PatternEvent } from '../../src/index.js';

const auditor = setup({ types: { events: {} as PatternEvent } }).createMachine({
  on: { '*': { actions: ({ event }) => console.log(`  audit: ${event.type.padEnd(18)} from ${event.source.padEnd(10)} workflow ${event.correlationId.slice(0, 8)}`) } },
});

const system = await createSystem({ logger: false });
const bus = publisher(system);
const flow = await choreography(system, [
  { id: 'researcher', logic: idempotent(reactor({ name: 'researcher', emit: 'research.done', run: (d: { topic: string }) => `notes on ${d.topic}` })), input: { publish: bus }, topics: ['research.requested'] },
  { id: 'writer', logic: reactor({ name: 'writer', emit: 'draft.done', run: (notes: string) => `article from ${notes}` }), input: { publish: bus }, topics: ['research.done'] },
]);

bus.send(createEvent('research.requested', { topic: 'supervision' }, { source: 'planner' }));
await system.idle();
console.log('the auditor joins:');
await flow.join({ id: 'auditor', logic: auditor, topics: ['#'] });
const second = createEvent('research.requested', { topic: 'mailboxes' }, { source: 'planner' });
bus.send(second);
bus.send(second); // redelivered: the idempotent researcher processes it once
await new Promise((resolve) => setTimeout(resolve, 10));
await system.idle();
await system.shutdown();
