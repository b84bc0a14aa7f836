/**
 * Human in the loop: a durable agent drafts a post, then waits (days, if need be) for a person's
 * approval. Its state is committed to a localStore after every step, so the process can be
 * stopped, killed or redeployed meanwhile: started again under the same node id, the agent
 * resumes where it was, still waiting. An operator approves from anywhere with `arbor send`:
 *
 *   npx tsx examples/approval.ts --broker amqp://localhost --cluster demo      # drafts, waits
 *   # Ctrl-C (or kill -9) it, start it again: "resumed: awaiting approval"
 *   npx arbor send arbor://approvals/post '{"type":"approve","by":"ana"}' --broker amqp://localhost --cluster demo
 *
 * Flags: --broker URL (required), --cluster NAME (default demo), --store PATH (default .arbor/approvals).
 */
import { parseArgs } from 'node:util';
import { assign, fromPromise, setup } from 'xstate';
import { createSystem, localStore, rabbitmqTransport } from '../src/index.js';

/** The agent: drafts (an invoked promise: an LLM call in real life), waits for approval, publishes. */
export const approvalAgent = setup({
  types: {
    input: {} as { topic: string },
    context: {} as { topic: string; draft: string | undefined; approvedBy: string | undefined },
    events: {} as { type: 'approve'; by: string } | { type: 'reject'; by: string },
  },
  actors: { draft: fromPromise<string, { topic: string }>(async ({ input }) => `A short post about ${input.topic}.`) },
}).createMachine({
  id: 'approval',
  context: ({ input }) => ({ topic: input.topic, draft: undefined, approvedBy: undefined }),
  initial: 'drafting',
  states: {
    drafting: { invoke: { src: 'draft', input: ({ context }) => ({ topic: context.topic }), onDone: { target: 'awaitingApproval', actions: assign({ draft: ({ event }) => event.output }) } } },
    awaitingApproval: {
      on: {
        approve: { target: 'published', actions: assign({ approvedBy: ({ event }) => event.by }) },
        reject: 'rejected',
      },
    },
    published: { type: 'final' },
    rejected: { type: 'final' },
  },
  output: ({ context }) => ({ draft: context.draft, approvedBy: context.approvedBy }),
});

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { broker: { type: 'string' }, cluster: { type: 'string' }, store: { type: 'string' } } });
  if (!values.broker) throw new Error('--broker URL is required (arbor send reaches the agent through it)');
  const system = await createSystem({
    node: 'approvals',
    logger: false,
    transport: rabbitmqTransport({ url: values.broker, cluster: values.cluster ?? 'demo' }),
    store: localStore(values.store ?? '.arbor/approvals'),
  });
  const agent = system.spawn(approvalAgent, { id: 'post', input: { topic: 'durable agents' }, durable: true });
  let announced = false;
  agent.subscribe((snapshot) => {
    const s = snapshot as { value: string; context: { draft?: string } };
    if (s.value === 'awaitingApproval' && !announced) {
      announced = true;
      process.stdout.write(`awaiting approval: ${s.context.draft ?? ''}\n`);
    }
  });
  const stop = (): void => void system.shutdown().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const out = (await agent.result()) as { approvedBy?: string };
  process.stdout.write(out.approvedBy ? `published (approved by ${out.approvedBy})\n` : 'rejected\n');
  await system.shutdown();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
