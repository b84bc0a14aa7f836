/**
 * The simulated agents: XState machines, so they run as supervised workers on any node, and
 * `toMermaid` / `checkMachine` read them. A stage agent takes one job at a time: it draws the
 * job's tokens from the treasury (an `ask`, so it works across nodes), works for a seeded time,
 * and answers with an event derived from the request (same correlation id, the request as its
 * cause). The researcher named by the plan crashes on its first request: the supervisor restarts
 * it, and the planner's retry is answered by the new incarnation.
 */
import { assign, fromPromise, sendTo, setup, type AnyActorRef } from 'xstate';
import { Budget, deriveEvent, type ActorRef, type PatternEvent } from '../../src/index.js';
import { latencyOf, STAGES, TOKEN_LIMITS, tokensOf, uniform, type DemoPlan, type Stage } from './plan.js';

/** What every job request carries besides its payload. */
export interface JobData {
  attempt: number;
  /** Where the agent draws its tokens: a ref, so it travels to the node running the agent. */
  treasury: ActorRef;
  [key: string]: unknown;
}

export type JobRequest = PatternEvent<JobData> & { replyTo: AnyActorRef };

export interface AgentInput {
  name: string;
  plan: DemoPlan;
}

export interface Job {
  request: JobRequest;
  key: string;
  startedAt: number;
  ms: number;
  tokens: number;
}

export interface AgentContext extends AgentInput {
  job: Job | undefined;
  jobs: number;
}

type Grant = PatternEvent<{ granted: boolean; reason?: string }>;

interface StageAgentConfig {
  id: string;
  stage: Stage;
  /** The request type it reacts to, and the event type of its answer (`<emits>` / `<stage>.failed`). */
  accepts: string;
  emits: string;
  /** Whether the plan's injected crash applies to this agent. */
  crashes: boolean;
  produce: (context: AgentContext, request: JobRequest) => Record<string, unknown>;
}

/** Asks the treasury for `amount` tokens of `stage`; resolves with its answer. */
export const drawTokens = fromPromise<Grant, { request: JobRequest; stage: Stage; amount: number; source: string }>(({ input }) =>
  input.request.data.treasury.ask<Grant>(deriveEvent(input.request, 'tokens.draw', { stage: input.stage, amount: input.amount }, input.source), { timeout: 5_000 }),
);

function stageAgent(config: StageAgentConfig) {
  const failed = `${config.stage}.failed`;
  const answer = (type: string, data: (c: AgentContext) => Record<string, unknown>) =>
    sendTo(
      ({ context }: { context: AgentContext }) => context.job!.request.replyTo,
      ({ context, self }: { context: AgentContext; self: AnyActorRef }) => deriveEvent(context.job!.request, type, { agent: context.name, attempt: context.job!.request.data.attempt, ...data(context) }, self.id),
    );
  return setup({
    types: { input: {} as AgentInput, context: {} as AgentContext, events: {} as JobRequest },
    actors: { drawTokens },
    delays: { work: ({ context }) => context.job?.ms ?? 0 },
    guards: {
      crashInjected: ({ context, event }) => config.crashes && context.name === context.plan.crashingResearcher && event.data.attempt === 1,
      granted: (_, params: { output: Grant }) => params.output.data.granted,
    },
    actions: {
      crash: ({ context, event }) => {
        throw new Error(`${context.name}: the model returned malformed output (injected fault, attempt ${event.data.attempt})`);
      },
    },
  }).createMachine({
    id: config.id,
    context: ({ input }) => ({ ...input, job: undefined, jobs: 0 }),
    initial: 'idle',
    states: {
      idle: {
        on: {
          [config.accepts]: [
            { guard: 'crashInjected', actions: 'crash' },
            {
              target: 'drawing',
              actions: assign(({ context, event }) => {
                const key = `${context.name}:${event.data.attempt}`;
                const job: Job = { request: event, key, startedAt: performance.now(), ms: latencyOf(context.plan, config.stage, key), tokens: tokensOf(context.plan, config.stage, key) };
                return { job };
              }),
            },
          ],
        },
      },
      drawing: {
        invoke: {
          src: 'drawTokens',
          input: ({ context, self }) => ({ request: context.job!.request, stage: config.stage, amount: context.job!.tokens, source: self.id }),
          onDone: [
            { guard: { type: 'granted', params: ({ event }) => ({ output: event.output }) }, target: 'working' },
            { target: 'idle', actions: answer(failed, () => ({ reason: 'token budget exhausted', code: 'BUDGET_EXCEEDED' })) },
          ],
          onError: { target: 'idle', actions: answer(failed, () => ({ reason: 'treasury unreachable', code: 'ASK_TIMEOUT' })) },
        },
      },
      working: {
        after: {
          work: {
            target: 'idle',
            actions: [
              answer(config.emits, (c) => ({ ...config.produce(c, c.job!.request), tokens: c.job!.tokens, elapsedMs: Math.round(performance.now() - c.job!.startedAt) })),
              assign({ jobs: ({ context }) => context.jobs + 1 }),
            ],
          },
        },
      },
    },
  });
}

const count = (plan: DemoPlan, key: string, lo: number, hi: number) => lo + Math.floor(uniform(plan.seed, key) * (hi - lo + 1));

/** Researches its topic (its own name) and answers `research.done` with findings. */
export const researcher = stageAgent({
  id: 'researcher',
  stage: 'research',
  accepts: 'research.requested',
  emits: 'research.done',
  crashes: true,
  produce: ({ name, plan }) => ({
    topic: name,
    findings: Array.from({ length: count(plan, `findings:${name}`, 2, 4) }, (_, i) => `${name} finding ${i + 1}`),
  }),
});

/** Turns the research notes into a draft: `draft.ready`. */
export const writer = stageAgent({
  id: 'writer',
  stage: 'write',
  accepts: 'draft.requested',
  emits: 'draft.ready',
  crashes: false,
  produce: ({ plan }, request) => {
    const notes = (request.data.notes as unknown[] | undefined)?.length ?? 0;
    return { title: plan.brief, sections: notes, words: 600 + count(plan, 'words', 0, 900) };
  },
});

/** Reviews the draft: `review.done` with its verdict. */
export const reviewer = stageAgent({
  id: 'reviewer',
  stage: 'review',
  accepts: 'review.requested',
  emits: 'review.done',
  crashes: false,
  produce: ({ plan }) => ({ approved: true, comments: count(plan, 'comments', 1, 5) }),
});

/** The token accounts: the whole workflow's budget and one sub-budget per stage. */
export interface TokenAccounts {
  total: Budget;
  stages: Record<Stage, Budget>;
}

export function tokenAccounts(limits = TOKEN_LIMITS): TokenAccounts {
  const total = new Budget({ name: 'tokens', limit: limits.total });
  const stages = Object.fromEntries(STAGES.map((s) => [s, total.child(s, limits.stages[s])])) as Record<Stage, Budget>;
  return { total, stages };
}

type DrawRequest = PatternEvent<{ stage: Stage; amount: number }, 'tokens.draw'> & { replyTo: AnyActorRef };

/**
 * Keeps the token budget (it lives with the owner node, so every draw is counted in one place):
 * grants a draw its stage's budget (and the total) can cover, denies one it cannot.
 */
export const treasury = setup({
  types: { input: {} as { accounts: TokenAccounts }, context: {} as { accounts: TokenAccounts; grants: number; denials: number }, events: {} as DrawRequest },
  actions: {
    // Deciding and answering in one action: the budget is the state, so the answer depends on the draw.
    settle: ({ context, event, self }) => {
      const budget = context.accounts.stages[event.data.stage];
      const granted = budget !== undefined && budget.tryDraw(event.data.amount);
      const data = granted ? { granted } : { granted, reason: `${event.data.amount} over ${budget?.path ?? event.data.stage}'s ${budget?.available ?? 0} left` };
      event.replyTo.send(deriveEvent(event, granted ? 'tokens.granted' : 'tokens.denied', data, self.id));
    },
  },
}).createMachine({
  id: 'treasury',
  context: ({ input }) => ({ accounts: input.accounts, grants: 0, denials: 0 }),
  initial: 'open',
  states: {
    open: {
      on: {
        'tokens.draw': { actions: ['settle', assign({ grants: ({ context }) => context.grants + 1 })] },
      },
    },
  },
});
