/**
 * The publisher: each publish attempt is a saga (`src/patterns` `saga`) over the CMS. The plan
 * makes the `publish_page` step fail on the first attempt(s), so the saga undoes what it did in
 * reverse order (one compensation is flaky and is retried with backoff); the publisher then waits
 * and tries a fresh saga, up to `plan.publishAttempts` times, and answers with every attempt's
 * outcome. The saga runs as an invoked child of the publisher, so it lives on the publisher's node.
 */
import { assign, sendTo, setup, type AnyStateMachine } from 'xstate';
import { deriveEvent, saga, type SagaOutput } from '../../src/index.js';
import { drawTokens, type AgentInput, type JobRequest } from './agents.js';
import { recordStep } from './kill-node.js';
import { latencyOf, PUBLISH_STEPS, sleep, tokensOf, type DemoPlan } from './plan.js';

interface SagaInput {
  plan: DemoPlan;
  attempt: number;
  slug: string;
  /** Failed tries per compensation within this saga (the flaky one fails its first). */
  undoFailures: Record<string, number>;
}

/** One publish attempt as the publisher reports it. */
export interface PublishAttempt {
  attempt: number;
  status: SagaOutput['status'];
  failedStep?: string;
  reason?: string;
  /** Steps undone, in the order their compensations ran. */
  compensated: string[];
}

const work = async (input: SagaInput, what: string, signal: AbortSignal) => {
  await sleep(latencyOf(input.plan, 'publish', `${what}:${input.attempt}`), signal);
  recordStep(input.attempt, what);
};

function undo(step: string) {
  return async ({ input, signal }: { input: SagaInput; signal: AbortSignal }) => {
    await work(input, `undo_${step}`, signal);
    if (input.attempt === 1 && step === input.plan.flakyCompensation && !input.undoFailures[step]) {
      input.undoFailures[step] = 1;
      throw new Error(`${step}: storage busy while undoing (injected fault)`);
    }
    return `${step} undone`;
  };
}

const [reserveSlot, renderPages, uploadAssets, publishPage] = PUBLISH_STEPS;

const publishSagaMachine = saga<SagaInput>({
  id: 'publishSaga',
  retry: { attempts: 3, min: 60, max: 400, factor: 2 },
  steps: [
    {
      name: reserveSlot,
      run: async ({ input, signal }) => (await work(input, reserveSlot, signal), `slot-${input.attempt}`),
      compensate: undo(reserveSlot),
    },
    {
      name: renderPages,
      run: async ({ input, signal }) => (await work(input, renderPages, signal), 3),
      compensate: undo(renderPages),
    },
    {
      name: uploadAssets,
      run: async ({ input, signal }) => (await work(input, uploadAssets, signal), `cdn://${input.slug}`),
      compensate: undo(uploadAssets),
    },
    {
      name: publishPage,
      run: async ({ input, signal }) => {
        await work(input, publishPage, signal);
        if (input.attempt <= input.plan.publishFailures) throw new Error(`CMS answered 503 Service Unavailable (injected fault, attempt ${input.attempt})`);
        return `https://blog.example/${input.slug}`;
      },
    },
  ],
});

interface PublisherContext extends AgentInput {
  request: JobRequest | undefined;
  attempt: number;
  attempts: PublishAttempt[];
  url: string | undefined;
  tokens: number;
  startedAt: number;
}

function attemptOf(attempt: number, out: SagaOutput): PublishAttempt {
  const a: PublishAttempt = { attempt, status: out.status, compensated: out.compensated };
  if (out.failedStep !== undefined) a.failedStep = out.failedStep;
  if (out.reason !== undefined) a.reason = out.reason;
  return a;
}

/** Publishes a reviewed draft through sagas, retrying a compensated one after a pause. */
const publisherMachine = setup({
  types: { input: {} as AgentInput, context: {} as PublisherContext, events: {} as JobRequest },
  actors: { drawTokens, publishSaga: publishSagaMachine },
  delays: { retry: ({ context }) => Math.round(300 * context.plan.speed) },
  guards: {
    granted: (_, params: { granted: boolean }) => params.granted,
    completed: (_, params: { output: SagaOutput }) => params.output.status === 'completed',
    attemptsLeft: ({ context }) => context.attempt < context.plan.publishAttempts,
  },
  actions: {
    record: assign(({ context }, params: { output: SagaOutput }) => ({
      attempts: [...context.attempts, attemptOf(context.attempt, params.output)],
      url: params.output.status === 'completed' ? (params.output.results[publishPage] as string) : context.url,
    })),
    answer: sendTo(
      ({ context }) => context.request!.replyTo,
      ({ context, self }) => {
        const last = context.attempts.at(-1);
        const status = last?.status ?? 'failed';
        const data = { agent: context.name, status, attempts: context.attempts, url: context.url, tokens: context.tokens, elapsedMs: Math.round(Date.now() - context.startedAt) };
        return deriveEvent(context.request!, status === 'completed' ? 'publish.done' : 'publish.failed', data, self.id);
      },
    ),
  },
}).createMachine({
  id: 'publisher',
  context: ({ input }) => ({ ...input, request: undefined, attempt: 0, attempts: [], url: undefined, tokens: 0, startedAt: 0 }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'publish.requested': {
          target: 'drawing',
          actions: assign(({ context, event }) => ({
            request: event,
            attempt: 1,
            attempts: [],
            url: undefined,
            startedAt: Date.now(),
            tokens: tokensOf(context.plan, 'publish', `${context.name}:${event.data.attempt}`),
          })),
        },
      },
    },
    drawing: {
      invoke: {
        src: 'drawTokens',
        input: ({ context, self }) => ({ request: context.request!, stage: 'publish' as const, amount: context.tokens, source: self.id }),
        onDone: [
          { guard: { type: 'granted', params: ({ event }) => ({ granted: event.output.data.granted }) }, target: 'publishing' },
          { target: 'idle', actions: 'answer' },
        ],
        onError: { target: 'idle', actions: 'answer' },
      },
    },
    publishing: {
      invoke: {
        id: 'saga',
        src: 'publishSaga',
        input: ({ context }) => ({ plan: context.plan, attempt: context.attempt, slug: 'arbor-launch', undoFailures: {} }),
        onDone: [
          { guard: { type: 'completed', params: ({ event }) => ({ output: event.output }) }, target: 'idle', actions: [{ type: 'record', params: ({ event }) => ({ output: event.output }) }, 'answer'] },
          { guard: 'attemptsLeft', target: 'backingOff', actions: { type: 'record', params: ({ event }) => ({ output: event.output }) } },
          { target: 'idle', actions: [{ type: 'record', params: ({ event }) => ({ output: event.output }) }, 'answer'] },
        ],
        onError: { target: 'idle', actions: 'answer' },
      },
    },
    backingOff: {
      after: { retry: { target: 'publishing', actions: assign({ attempt: ({ context }) => context.attempt + 1 }) } },
    },
  },
});

// Typed loosely for export: their precise types name the saga pattern's internal context type.
/** The saga of one publish attempt. */
export const publishSaga: AnyStateMachine = publishSagaMachine;
/** The publisher agent. */
export const publisher: AnyStateMachine = publisherMachine;
