/**
 * The planner drives one workflow, as a chain of events that all share the brief's correlation
 * id: it plans (drawing its own tokens), fans the research out to every researcher with
 * `scatterGather` (policy `all`, failures recorded, not fatal), retries the failed topics once the
 * supervisor has restarted their agents, then asks the writer, the reviewer and the publisher in
 * turn with `request` (request–reply that checks correlation ids). Each answer is validated; a
 * `*.failed` answer routes the workflow to `failed`. Its output is the workflow's record.
 */
import { assign, fromPromise, setup, type AnyStateMachine } from 'xstate';
import { createEvent, deriveEvent, request, scatterGather, type ActorRef, type GatherOutput, type PatternEvent, type RequestContext } from '../../src/index.js';
import { drawTokens, type JobRequest } from './agents.js';
import { latencyOf, STAGES, tokensOf, type DemoPlan, type Stage } from './plan.js';
import type { PublishAttempt } from './publisher.js';

/** The refs the planner works with, resolved when it starts (its siblings start before it). */
export interface PlannerRefs {
  treasury: ActorRef;
  researchers: ActorRef[];
  writer: ActorRef;
  reviewer: ActorRef;
  publisher: ActorRef;
}

export interface PlannerInput {
  plan: DemoPlan;
  refs: () => PlannerRefs;
  /** The node, clock and logger `request` uses. */
  requester: RequestContext;
  /** Whether agents may run on other nodes (see `ask`). */
  distributed: boolean;
}

/** An event's metadata, as the workflow's trace keeps it. */
export interface TracedEvent {
  id: string;
  type: string;
  source: string;
  time: number;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
}

export type Outcome = 'published' | 'compensated' | 'failed';

export interface WorkflowOutput {
  correlationId: string;
  outcome: Outcome;
  reason?: string;
  research: { topic: string; agent: string; attempt: number; findings: number }[];
  researchFailures: { agent: string; attempt: number; reason: string }[];
  publish: { status: string; attempts: PublishAttempt[]; url?: string } | undefined;
  /** Tokens each stage reported using. */
  tokens: Record<Stage, number>;
  /** Service time of each job, ms, by stage. */
  samples: Record<Stage, number[]>;
  trace: TracedEvent[];
}

type Reply = PatternEvent<Record<string, unknown>>;

interface PlannerContext extends PlannerInput {
  resolved: PlannerRefs;
  brief: PatternEvent<Record<string, unknown>>;
  /** The event the next request is caused by. */
  last: PatternEvent;
  researchAttempt: number;
  /** The researchers the next round asks. */
  pending: ActorRef[];
  planStartedAt: number;
  research: WorkflowOutput['research'];
  researchFailures: WorkflowOutput['researchFailures'];
  publish: WorkflowOutput['publish'];
  tokens: Record<Stage, number>;
  samples: Record<Stage, number[]>;
  trace: TracedEvent[];
  reason: string | undefined;
  /** The request of the running stage (made on entry, so the trace has it). */
  request: PatternEvent<Record<string, unknown>> | undefined;
  outcome: Outcome | undefined;
}

const meta = (e: PatternEvent): TracedEvent => ({ id: e.id, type: e.type, source: e.source, time: Math.round(e.time), correlationId: e.correlationId, causationId: e.causationId, schemaVersion: e.schemaVersion });

/** Research replies are accepted only as `research.done`; anything else counts as that worker failing. */
const gatherResearchMachine = scatterGather<Reply>({
  id: 'gatherResearch',
  policy: 'all',
  onPartialFailure: 'proceed',
  deadline: 8_000,
  validate: (reply) => (reply.type === 'research.done' ? true : String(reply.data?.reason ?? reply.type)),
});

/**
 * Request–reply with a correlation check. Local agents go through the patterns' `request`; remote
 * ones through the runtime's `ask`, because `request`'s reply ref is not registered with the
 * system, so an answer from another node has nowhere to go (reported to the patterns' owner).
 */
const ask = fromPromise<Reply, { requester: RequestContext; distributed: boolean; ref: ActorRef; event: PatternEvent; timeout: number }>(async ({ input }) => {
  if (!input.distributed) {
    return request<Reply>(input.requester, input.ref, input.event, { timeout: input.timeout });
  }
  const reply = await input.ref.ask<Reply>(input.event, { timeout: input.timeout });
  if (reply.correlationId !== input.event.correlationId) throw new Error(`reply ${reply.type} has correlation id ${reply.correlationId}, expected ${input.event.correlationId}`);
  return reply;
});

function job(c: PlannerContext, type: string, source: string, data: Record<string, unknown> = {}): PatternEvent<Record<string, unknown>> {
  return deriveEvent(c.last, type, { attempt: 1, treasury: c.resolved.treasury, ...data }, source);
}

/** Makes `request` the running stage's request, and traces it. */
function issue(c: PlannerContext, request: PatternEvent<Record<string, unknown>>): Partial<PlannerContext> {
  return { request, trace: [...c.trace, meta(request)] };
}

/** Takes in a stage's answer: its trace entry, tokens, latency sample. */
function took(c: PlannerContext, stage: Stage, reply: Reply): Partial<PlannerContext> {
  const tokens = typeof reply.data.tokens === 'number' ? reply.data.tokens : 0;
  const samples = typeof reply.data.elapsedMs === 'number' ? { ...c.samples, [stage]: [...c.samples[stage], reply.data.elapsedMs] } : c.samples;
  return { last: reply, trace: [...c.trace, meta(reply)], tokens: { ...c.tokens, [stage]: c.tokens[stage] + tokens }, samples };
}

/** Updates the context from a stage's answer (states built by a helper are typed loosely, then checked by `createMachine`'s use). */
const fromReply = (f: (c: PlannerContext, reply: Reply) => Partial<PlannerContext>) =>
  assign((({ context, event }: { context: PlannerContext; event: { output: Reply } }) => f(context, event.output)) as never);

/** A state that asks one agent and moves on when its answer has the expected type. */
function stageStep(stage: Stage, ref: (r: PlannerRefs) => ActorRef, requestType: string, doneType: string, next: string, timeout: number, data: (c: PlannerContext) => Record<string, unknown> = () => ({})) {
  return {
    entry: assign((({ context, self }: { context: PlannerContext; self: { id: string } }) => issue(context, job(context, requestType, self.id, data(context)))) as never),
    invoke: {
      src: 'ask',
      input: ({ context }: { context: PlannerContext }) => ({ requester: context.requester, distributed: context.distributed, ref: ref(context.resolved), event: context.request!, timeout }),
      onDone: [
        { guard: ({ event }: { event: { output: Reply } }) => event.output.type === doneType, target: next, actions: fromReply((c, reply) => took(c, stage, reply)) },
        { target: 'failed', actions: fromReply((c, reply) => ({ ...took(c, stage, reply), reason: `${reply.type}: ${String(reply.data.reason)}` })) },
      ],
      onError: { target: 'failed', actions: assign((({ event }: { event: { error: unknown } }) => ({ reason: `${requestType}: ${(event.error as Error).message}` })) as never) },
    },
  } as never;
}

const plannerMachine = setup({
  types: { input: {} as PlannerInput, context: {} as PlannerContext, output: {} as WorkflowOutput },
  actors: { drawTokens, gatherResearch: gatherResearchMachine, ask },
  delays: {
    think: ({ context }) => latencyOf(context.plan, 'plan', 'planner:1'),
    recover: ({ context }) => Math.round(250 * context.plan.speed),
  },
  guards: {
    retryResearch: ({ context }) => context.researchFailures.some((f) => f.attempt === context.researchAttempt) && context.researchAttempt < 2,
    researchComplete: ({ context }) => context.research.length === context.plan.topics.length,
  },
}).createMachine({
  id: 'planner',
  context: ({ input, self }) => {
    const resolved = input.refs();
    const brief = createEvent('brief.submitted', { brief: input.plan.brief, topics: input.plan.topics, attempt: 1, treasury: resolved.treasury }, { source: self.id });
    const empty = <T>(f: () => T) => Object.fromEntries(STAGES.map((s) => [s, f()])) as Record<Stage, T>;
    return {
      ...input,
      resolved,
      brief,
      last: brief,
      researchAttempt: 0,
      pending: resolved.researchers,
      planStartedAt: performance.now(),
      research: [],
      researchFailures: [],
      publish: undefined,
      tokens: empty(() => 0),
      samples: empty((): number[] => []),
      trace: [meta(brief)],
      reason: undefined,
      request: undefined,
      outcome: undefined,
    };
  },
  initial: 'planning',
  states: {
    planning: {
      invoke: {
        src: 'drawTokens',
        input: ({ context, self }) => ({ request: context.brief as JobRequest, stage: 'plan' as const, amount: tokensOf(context.plan, 'plan', 'planner:1'), source: self.id }),
        onDone: [
          {
            guard: ({ event }) => event.output.data.granted,
            target: 'thinking',
            actions: assign(({ context, event }) => ({ trace: [...context.trace, meta(event.output)], tokens: { ...context.tokens, plan: tokensOf(context.plan, 'plan', 'planner:1') } })),
          },
          { target: 'failed', actions: assign({ reason: 'no tokens for planning' }) },
        ],
        onError: { target: 'failed', actions: assign({ reason: 'treasury unreachable' }) },
      },
    },
    thinking: {
      after: {
        think: {
          target: 'researching',
          actions: assign(({ context }) => ({ samples: { ...context.samples, plan: [Math.round(performance.now() - context.planStartedAt)] }, researchAttempt: 1 })),
        },
      },
    },
    researching: {
      entry: assign(({ context, self }) => {
        const cause = context.researchAttempt === 1 ? context.brief : context.last;
        return issue(context, deriveEvent(cause, 'research.requested', { attempt: context.researchAttempt, treasury: context.resolved.treasury }, self.id));
      }),
      invoke: {
        src: 'gatherResearch',
        input: ({ context }) => ({ workers: context.pending, request: context.request! }),
        onDone: {
          target: 'researched',
          actions: assign(({ context, event }) => {
            const out = event.output as GatherOutput<Reply>;
            let c: Partial<PlannerContext> = {};
            const research = [...context.research];
            for (const { reply } of out.results) {
              c = took({ ...context, ...c } as PlannerContext, 'research', reply);
              research.push({ topic: String(reply.data.topic), agent: String(reply.data.agent), attempt: context.researchAttempt, findings: (reply.data.findings as unknown[]).length });
            }
            const failures = out.failures.map((f) => ({ agent: f.worker.slice(f.worker.lastIndexOf('/') + 1), attempt: context.researchAttempt, reason: f.reason }));
            const failed = new Set(out.failures.map((f) => f.worker));
            return { ...c, research, researchFailures: [...context.researchFailures, ...failures], pending: context.pending.filter((r) => failed.has(r.path)) };
          }),
        },
        onError: { target: 'failed', actions: assign({ reason: 'research gather failed' }) },
      },
    },
    researched: {
      always: [
        { guard: 'retryResearch', target: 'recovering' },
        { guard: 'researchComplete', target: 'writing' },
        { target: 'failed', actions: assign({ reason: ({ context }) => `research incomplete: ${context.research.length} of ${context.plan.topics.length} topics` }) },
      ],
    },
    // The failed researchers' supervisor restarts them meanwhile; the retry goes to the new incarnations.
    recovering: {
      after: { recover: { target: 'researching', actions: assign({ researchAttempt: ({ context }) => context.researchAttempt + 1 }) } },
    },
    writing: stageStep('write', (r) => r.writer, 'draft.requested', 'draft.ready', 'reviewing', 10_000, (c) => ({ notes: c.research.map((r) => r.topic) })),
    reviewing: stageStep('review', (r) => r.reviewer, 'review.requested', 'review.done', 'publishing', 10_000),
    publishing: {
      entry: assign(({ context, self }) => issue(context, job(context, 'publish.requested', self.id))),
      invoke: {
        src: 'ask',
        input: ({ context }) => ({ requester: context.requester, distributed: context.distributed, ref: context.resolved.publisher, event: context.request!, timeout: 30_000 }),
        onDone: [
          {
            guard: ({ event }) => event.output.type === 'publish.done',
            target: 'published',
            actions: assign(({ context, event }) => ({ ...took(context, 'publish', event.output), publish: publishRecord(event.output) })),
          },
          {
            guard: ({ event }) => event.output.data.status === 'compensated',
            target: 'compensated',
            actions: assign(({ context, event }) => ({ ...took(context, 'publish', event.output), publish: publishRecord(event.output), reason: 'every publish attempt failed and was compensated' })),
          },
          { target: 'failed', actions: assign(({ context, event }) => ({ ...took(context, 'publish', event.output), publish: publishRecord(event.output), reason: 'publish failed' })) },
        ],
        onError: { target: 'failed', actions: assign({ reason: ({ event }) => `publish.requested: ${(event.error as Error).message}` }) },
      },
    },
    published: { type: 'final', entry: assign({ outcome: 'published' as const }) },
    compensated: { type: 'final', entry: assign({ outcome: 'compensated' as const }) },
    failed: { type: 'final', entry: assign({ outcome: 'failed' as const }) },
  },
  output: ({ context }) => {
    const out: WorkflowOutput = {
      correlationId: context.brief.correlationId,
      outcome: context.outcome ?? 'failed',
      research: context.research,
      researchFailures: context.researchFailures,
      publish: context.publish,
      tokens: context.tokens,
      samples: context.samples,
      trace: context.trace,
    };
    if (context.reason !== undefined) out.reason = context.reason;
    return out;
  },
});

function publishRecord(reply: Reply): WorkflowOutput['publish'] {
  const out: NonNullable<WorkflowOutput['publish']> = { status: String(reply.data.status), attempts: reply.data.attempts as PublishAttempt[] };
  if (typeof reply.data.url === 'string') out.url = reply.data.url;
  return out;
}

// Typed loosely for export: their precise types name the patterns' internal context types.
/** The research fan-out: scatter-gather over the researchers, every reply validated. */
export const gatherResearch: AnyStateMachine = gatherResearchMachine;
/** The workflow's driver. */
export const planner: AnyStateMachine = plannerMachine;
