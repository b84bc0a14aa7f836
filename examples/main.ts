/**
 * `npm start`: a small supervision tree on the embedded transport. Research and review agents
 * run under two supervisors; two of them fail (a flaky dependency) and are restarted, one with
 * backoff. Every level aggregates its children's results, and the root prints the whole tree's
 * result. Run it with `npm start`; nothing here needs a broker.
 */
import { assign, setup } from 'xstate';
import { createSystem, supervisor, type SupervisorReport } from '../src/index.js';

/** How often each agent has failed so far: a stand-in for a flaky service the agents call. */
const failures = new Map<string, number>();

interface AgentInput {
  task: string;
  /** Fail this many times before succeeding. */
  flaky: number;
  ms: number;
}

const agent = setup({
  types: { input: {} as AgentInput, context: {} as AgentInput & { notes: string }, output: {} as string },
  delays: { work: ({ context }) => context.ms },
  guards: { flaky: ({ context }) => (failures.get(context.task) ?? 0) < context.flaky },
  actions: {
    fail: ({ context }) => {
      failures.set(context.task, (failures.get(context.task) ?? 0) + 1);
      throw new Error(`upstream timeout while working on "${context.task}"`);
    },
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => ({ ...input, notes: '' }),
  initial: 'working',
  states: {
    working: {
      after: {
        work: [
          { guard: 'flaky', actions: 'fail' },
          { target: 'done', actions: assign({ notes: ({ context }) => `${context.task}: done in ${context.ms} ms` }) },
        ],
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.notes,
});

const research = supervisor({
  strategy: 'one_for_one',
  intensity: 3,
  period: 5000,
  aggregate: { policy: 'all', timeout: 10_000 },
  children: [
    { id: 'market', logic: agent, input: { task: 'market size', flaky: 0, ms: 120 }, restart: 'transient' },
    { id: 'competitors', logic: agent, input: { task: 'competitors', flaky: 1, ms: 80 }, restart: 'transient' },
    { id: 'pricing', logic: agent, input: { task: 'pricing', flaky: 0, ms: 150 }, restart: 'transient' },
  ],
});

const review = supervisor({
  strategy: 'one_for_one',
  intensity: 3,
  period: 5000,
  backoff: { min: 50, max: 400, factor: 2, jitter: 0.1 },
  aggregate: { policy: 'quorum', quorum: 2, onPartialFailure: 'proceed' },
  children: [
    { id: 'legal', logic: agent, input: { task: 'legal review', flaky: 2, ms: 60 }, restart: 'transient' },
    { id: 'editor', logic: agent, input: { task: 'copy edit', flaky: 0, ms: 90 }, restart: 'transient' },
  ],
});

const root = supervisor({
  strategy: 'one_for_one',
  aggregate: { policy: 'all' },
  children: [
    { id: 'research', logic: research, restart: 'transient' },
    { id: 'review', logic: review, restart: 'transient' },
  ],
});

function show(r: SupervisorReport): void {
  const where = `${r.supervisor.replace(/^arbor:\/\/[^/]+\//, '')}/${r.child}`;
  const reason = r.reason instanceof Error ? r.reason.message : r.reason;
  const mark = { child_started: '+', child_restarted: '↻', child_exited: reason === 'normal' ? '✓' : '✗', child_terminated: '-', shutdown: '!' }[r.kind];
  console.log(`${String(Math.round(r.at - started)).padStart(5)} ms  ${mark} ${r.kind.padEnd(16)} ${where}${reason !== undefined && reason !== 'normal' ? `  (${String(reason)})` : ''}`);
}

const system = await createSystem({ node: 'demo', logger: false });
const started = system.clock.now();
system.on('report', show);
console.log('Arbor demo: a supervision tree of agents on the embedded transport\n');
const ref = system.spawn(root, { id: 'root' });
try {
  const result = await ref.result();
  console.log('\nAggregated result of the tree:');
  console.log(JSON.stringify(result, null, 2));
} finally {
  await system.shutdown();
}
