/**
 * The demo's content workflow (`examples/demo`), reduced so that it runs under simulation, checked
 * with its three invariants under a crash of any agent:
 *
 * - every workflow ends published or compensated;
 * - tokens never exceed the budget;
 * - no publish step runs twice.
 *
 * The demo's agents are tied to real time (their work is `sleep`s on the wall clock, with
 * AbortSignals, and the publish saga retries on real timers), so they are not driven here. This is
 * a faithful reduction of the same protocol: a planner takes each brief through research → write →
 * publish, one job at a time per workflow, re-sending a job when no answer came within a second (so
 * jobs can arrive twice); each agent draws the job's tokens from a treasury before it works; the
 * publisher calls the CMS; a refused draw makes the planner compensate the workflow. The planner's
 * progress and the token meter live in the world (the store and the meter of the real system), so
 * a restarted planner resumes where it was. With `distributed`, the agents are placed on nodes `b`
 * and `c` by kind and nodes may go down (failover by `NODE_DOWN`).
 *
 * `naivePublisher` plants a bug: a publisher that calls the CMS for every publish job it is granted
 * tokens for, so a job re-sent after a slow answer publishes twice.
 */
import fc from 'fast-check';
import { assign, setup, type AnyActorRef } from 'xstate';
import { supervisor, type ActorRef, type ChildLogic, type ChildSpec, type System, type WorkflowSpec } from '../../src/index.js';

export const BUDGET = 10_000;
const STAGES = ['research', 'write', 'publish'] as const;
type Stage = (typeof STAGES)[number];
type Progress = Stage | 'published' | 'compensated';
const TOKENS: Record<Stage, number> = { research: 3_000, write: 2_500, publish: 500 };
const NEXT: Record<Stage, Progress> = { research: 'write', write: 'publish', publish: 'published' };
/** The planner re-sends a job that got no answer within this many ms. */
const RETRY_MS = 1_000;

/** The outside world of one run: the planner's store, the token meter, the CMS. */
export interface ContentWorld {
  store: Record<string, Progress>;
  tokens: number;
  /** Publish calls the CMS received, per workflow id. */
  published: Record<string, number>;
}

export const contentWorld = (): ContentWorld => ({ store: {}, tokens: 0, published: {} });

interface Job {
  type: Stage;
  id: string;
  planner: ActorRef;
  treasury: ActorRef;
  /** The agent itself, for the treasury's answer. */
  agent: ActorRef;
}
type AgentEvent = Job | { type: 'granted' | 'refused'; id: string; stage: Stage };

/**
 * What the machines of one spec reach the current run through. Machines are built once per spec
 * (building XState machines per run would cost more than the run); the simulation runs one run
 * at a time, and each run's `world()` and `root()` set the world and the lookup here.
 */
interface Current {
  world: ContentWorld;
  lookup: (name: string) => ActorRef;
}

/** An agent for `stage`: draws the job's tokens, then does the work and answers the planner. */
function agent(stage: Stage, current: Current, naive: boolean) {
  return setup({
    types: { context: {} as { job: Job | undefined }, events: {} as AgentEvent },
    guards: { mine: ({ context, event }) => event.type !== stage && context.job?.id === event.id },
    actions: {
      take: assign({ job: ({ event }) => event as Job }),
      draw: ({ context }) => {
        const job = context.job as Job;
        job.treasury.send({ type: 'draw', id: job.id, stage, amount: TOKENS[stage], replyTo: job.agent });
      },
    },
  }).createMachine({
    id: stage,
    context: { job: undefined },
    initial: 'idle',
    // A job that arrives while drawing (the planner re-sent it: the answer was slow or lost) starts over.
    on: { [stage]: { target: '.drawing', reenter: true, actions: ['take', 'draw'] } },
    states: {
      idle: {},
      drawing: {
        on: {
          granted: {
            guard: 'mine',
            target: 'idle',
            actions: ({ context }) => {
              const job = context.job as Job;
              const world = current.world;
              if (stage === 'publish' && (naive || world.published[job.id] === undefined)) world.published[job.id] = (world.published[job.id] ?? 0) + 1;
              job.planner.send({ type: 'done', id: job.id, stage });
            },
          },
          refused: { guard: 'mine', target: 'idle', actions: ({ context }) => (context.job as Job).planner.send({ type: 'failed', id: (context.job as Job).id, stage }) },
        },
      },
    },
  });
}

type TreasuryEvent = { type: 'draw'; id: string; stage: Stage; amount: number; replyTo: AnyActorRef };

/** The treasury: grants a draw while the meter stays within the budget. */
function treasury(current: Current) {
  return setup({ types: { events: {} as TreasuryEvent } }).createMachine({
    id: 'treasury',
    on: {
      draw: {
        actions: ({ event }) => {
          const world = current.world;
          const ok = world.tokens + event.amount <= BUDGET;
          if (ok) world.tokens += event.amount;
          event.replyTo.send({ type: ok ? 'granted' : 'refused', id: event.id, stage: event.stage });
        },
      },
    },
  });
}

type PlannerEvent = { type: 'brief'; id: string } | { type: 'done' | 'failed'; id: string; stage: Stage };

/** The planner: durable progress in `world.store`; re-sends every pending job each `RETRY_MS`. */
function planner(current: Current) {
  const refs = (name: string): ActorRef => current.lookup(name);
  const send = (id: string): void => {
    const stage = current.world.store[id] as Stage;
    const agentRef = refs(stage);
    agentRef.send({ type: stage, id, planner: refs('planner'), treasury: refs('treasury'), agent: agentRef });
  };
  const pending = (): string[] => {
    const store = current.world.store;
    return Object.keys(store).filter((id) => (STAGES as readonly string[]).includes(store[id] as string));
  };
  return setup({
    types: { events: {} as PlannerEvent },
    guards: { pending: () => pending().length > 0 },
  }).createMachine({
    id: 'planner',
    initial: 'idle',
    // Resumes after a restart: a workflow in progress in the store gets its job again.
    states: {
      idle: { always: { guard: 'pending', target: 'busy' } },
      busy: {
        entry: () => pending().forEach(send),
        always: { guard: () => pending().length === 0, target: 'idle' },
        after: { [RETRY_MS]: { target: 'busy', reenter: true } },
      },
    },
    on: {
      brief: {
        target: '.busy',
        actions: ({ event }) => {
          const world = current.world;
          if (world.store[event.id] !== undefined) return;
          world.store[event.id] = 'research';
          send(event.id);
        },
      },
      done: {
        actions: ({ event }) => {
          const world = current.world;
          if (world.store[event.id] !== event.stage) return; // a late or repeated answer
          world.store[event.id] = NEXT[event.stage];
          if (world.store[event.id] !== 'published') send(event.id);
        },
      },
      failed: {
        actions: ({ event }) => {
          const world = current.world;
          if (world.store[event.id] === event.stage) world.store[event.id] = 'compensated';
        },
      },
    },
  });
}

export interface ContentOptions {
  distributed?: boolean;
  naivePublisher?: boolean;
  numRuns?: number;
  seed?: number;
}

/** The content workflow as a `checkWorkflow` spec. */
export function contentWorkflow(options: ContentOptions = {}): WorkflowSpec<ContentWorld> {
  const distributed = options.distributed ?? false;
  const naive = options.naivePublisher ?? false;
  const current: Current = { world: contentWorld(), lookup: () => undefined as unknown as ActorRef };
  const agents: Record<Stage, ChildLogic> = { research: agent('research', current, naive), write: agent('write', current, naive), publish: agent('publish', current, naive) };
  const treasuryLogic = treasury(current);
  const plannerLogic = planner(current);
  const children: ChildSpec[] = [
    { id: 'treasury', logic: treasuryLogic },
    ...STAGES.map((s): ChildSpec => (distributed ? { id: s, kind: s, node: ['b', 'c'] } : { id: s, logic: agents[s] })),
    { id: 'planner', logic: plannerLogic },
  ];
  const rootLogic = supervisor({ intensity: 10, period: 1000, children });
  return {
    name: `content workflow${distributed ? ' (agents on nodes b and c)' : ''}${naive ? ' (naive publisher)' : ''}`,
    world: () => (current.world = contentWorld()),
    nodes: distributed ? ['b', 'c'] : [],
    kinds: distributed ? agents : {},
    root: (system: System) => {
      current.lookup = (name) => system.lookup(`root/${name}`) as ActorRef;
      return rootLogic;
    },
    inputs: fc.uniqueArray(fc.constantFrom('w1', 'w2', 'w3'), { minLength: 1, maxLength: 3 }).map((ids) => ids.map((id) => ({ to: 'root/planner', event: { type: 'brief', id } }))),
    faults: { crash: ['root/*'], nodeDown: distributed, maxFaults: 3 },
    invariants: {
      'tokens never exceed the budget': ({ world }) => world.tokens <= BUDGET,
      'no publish step runs twice': ({ world }) => Object.values(world.published).every((n) => n <= 1),
    },
    eventually: {
      'every workflow ends published or compensated': ({ world }) => Object.values(world.store).every((p) => p === 'published' || p === 'compensated'),
    },
    numRuns: options.numRuns ?? 100,
    seed: options.seed ?? 42,
    maxSteps: 400,
  };
}

export const workflows = {
  content: contentWorkflow(),
  contentDistributed: contentWorkflow({ distributed: true }),
};
