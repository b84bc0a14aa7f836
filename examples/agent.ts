/**
 * The canonical agent: an XState machine that invokes an async model call with a timeout, retries
 * with backoff, and a token budget, run under a supervisor. Run it: `npx tsx examples/agent.ts`.
 *
 * What goes where:
 * - The model call is an invoked `fromPromise` actor. Leaving the `calling` state (a timeout) stops
 *   it, and its `signal` aborts the request, so a late reply is never taken for a current one.
 * - A failed or timed-out call is retried by the machine itself, after a growing delay, up to
 *   `maxAttempts`: retrying one call is the agent's business, not its supervisor's.
 * - When every attempt failed, the agent crashes (a throwing action): that is what its supervisor is
 *   for. `restart: 'transient'` restarts it (a fresh incarnation, fresh attempts) within the
 *   supervisor's `intensity`; past that the supervisor gives up with `MAX_RESTART_INTENSITY`,
 *   naming the child and the root cause.
 * - The budget is checked before each call and charged with what each reply cost. An agent that
 *   cannot afford a call stops *normally* with `ok: false`: restarting it would not make money.
 * - Timers run on the system's clock, so tests drive them with a `SimulatedClock`.
 */
import { pathToFileURL } from 'node:url';
import { assign, fromPromise, setup } from 'xstate';
import { Budget, createSystem, supervisor } from '../src/index.js';

/** What a model call returns. */
export interface ModelReply {
  text: string;
  /** What the call cost, charged to the budget. */
  tokens: number;
}

/** A model call: the prompt, which attempt this is (1-based), and a signal that aborts it. */
export type ModelCall = (prompt: string, attempt: number, signal: AbortSignal) => Promise<ModelReply>;

/** How an agent ended. */
export type AgentOutput =
  | { ok: true; answer: string; attempts: number; tokens: number }
  | { ok: false; reason: 'budget'; attempts: number; tokens: number };

export interface AgentOptions {
  model: ModelCall;
  budget: Budget;
  /** Ms one call may take. */
  timeout: number;
  /** Calls per incarnation before the agent gives up and crashes. */
  maxAttempts: number;
  /** Ms before the first retry; doubles with each one. */
  backoff: number;
  /** Tokens a call needs to be affordable (a reply may cost more; the budget is charged what it cost). */
  minTokens: number;
}

/** The agent's machine: `input: { question }`, output {@link AgentOutput}. */
export function agent(options: AgentOptions) {
  const { model, budget, timeout, maxAttempts, backoff, minTokens } = options;
  return setup({
    types: {
      input: {} as { question: string },
      context: {} as { question: string; attempts: number; tokens: number; answer: string; lastError: string },
      output: {} as AgentOutput,
    },
    actors: {
      model: fromPromise<ModelReply, { prompt: string; attempt: number }>(({ input, signal }) => model(input.prompt, input.attempt, signal)),
    },
    delays: {
      timeout,
      backoff: ({ context }) => backoff * 2 ** (context.attempts - 1),
    },
    guards: {
      affordable: () => budget.available >= minTokens,
      attemptsLeft: ({ context }) => context.attempts < maxAttempts,
    },
    actions: {
      charge: (_, reply: ModelReply) => void budget.tryDraw(Math.min(reply.tokens, budget.available)),
      giveUp: ({ context }) => {
        throw new Error(`model failed ${context.attempts} times: ${context.lastError}`);
      },
    },
  }).createMachine({
    id: 'agent',
    context: ({ input }) => ({ question: input.question, attempts: 0, tokens: 0, answer: '', lastError: '' }),
    initial: 'deciding',
    states: {
      deciding: {
        always: [{ guard: 'affordable', target: 'calling' }, { target: 'overBudget' }],
      },
      calling: {
        entry: assign({ attempts: ({ context }) => context.attempts + 1 }),
        invoke: {
          src: 'model',
          input: ({ context }) => ({ prompt: context.question, attempt: context.attempts }),
          onDone: {
            target: 'answered',
            actions: [
              { type: 'charge', params: ({ event }) => event.output },
              assign({ answer: ({ event }) => event.output.text, tokens: ({ context, event }) => context.tokens + event.output.tokens }),
            ],
          },
          onError: { target: 'failedCall', actions: assign({ lastError: ({ event }) => (event.error instanceof Error ? event.error.message : String(event.error)) }) },
        },
        after: { timeout: { target: 'failedCall', actions: assign({ lastError: `no reply within ${timeout} ms` }) } },
      },
      failedCall: {
        always: [{ guard: 'attemptsLeft', target: 'backingOff' }, { target: 'gaveUp' }],
      },
      backingOff: {
        after: { backoff: 'deciding' },
      },
      gaveUp: { entry: 'giveUp' },
      answered: { type: 'final' },
      overBudget: { type: 'final' },
    },
    output: ({ context }): AgentOutput =>
      context.answer !== ''
        ? { ok: true, answer: context.answer, attempts: context.attempts, tokens: context.tokens }
        : { ok: false, reason: 'budget', attempts: context.attempts, tokens: context.tokens },
  });
}

/**
 * A simulated model: answers after `latency` ms (on the real clock) with a reply costing `tokens`.
 * Calls are counted across incarnations (as a real service would see them): the calls numbered in
 * `fail` reject, those in `hang` never answer (until aborted).
 */
export function simulatedModel(behaviour: { latency: number; tokens: number; fail?: number[]; hang?: number[] }): ModelCall {
  let calls = 0;
  return (prompt, _attempt, signal) =>
    new Promise<ModelReply>((resolve, reject) => {
      const call = ++calls;
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      if (behaviour.hang?.includes(call)) return;
      setTimeout(() => {
        if (behaviour.fail?.includes(call)) reject(new Error(`model overloaded (call ${call})`));
        else resolve({ text: `an answer to "${prompt}"`, tokens: behaviour.tokens });
      }, behaviour.latency);
    });
}

/** Three agents under one supervisor, sharing a budget: one steady, one whose model fails often enough to crash it once, one whose first call hangs. */
export async function main(): Promise<void> {
  const system = await createSystem({ logger: false });
  system.on('report', (r) => r.kind !== 'child_started' && console.log(`  report: ${r.kind} ${r.child}${r.reason instanceof Error ? `: ${r.reason.message}` : r.reason ? ` (${r.reason})` : ''}`));
  const budget = new Budget({ name: 'tokens', limit: 1000 });
  const common = { budget, timeout: 300, maxAttempts: 3, backoff: 50, minTokens: 100 };
  const steady = agent({ ...common, model: simulatedModel({ latency: 40, tokens: 250 }) });
  const flaky = agent({ ...common, model: simulatedModel({ latency: 40, tokens: 250, fail: [1, 2, 3] }) });
  const slow = agent({ ...common, model: simulatedModel({ latency: 40, tokens: 250, hang: [1] }) });
  const root = system.spawn(
    supervisor({
      strategy: 'one_for_one',
      intensity: 2,
      period: 10_000,
      aggregate: { policy: 'all', timeout: 10_000 }, // ends with every agent's output
      children: [
        { id: 'steady', logic: steady, input: { question: 'what is an actor?' }, restart: 'transient' },
        { id: 'flaky', logic: flaky, input: { question: 'why supervise?' }, restart: 'transient' },
        { id: 'slow', logic: slow, input: { question: 'what is a mailbox?' }, restart: 'transient' },
      ],
    }),
    { id: 'agents' },
  );
  const results = await root.result(); // a supervisor's output, typed from its children: { steady?: AgentOutput, flaky?: ..., slow?: ... }
  for (const [id, out] of Object.entries(results)) {
    if (out) console.log(`${id}: ${out.ok ? `${out.answer} (${out.attempts} attempt(s), ${out.tokens} tokens)` : `stopped: over budget after ${out.attempts} attempt(s)`}`);
  }
  console.log(`budget: ${budget.used} of ${budget.limit} tokens used`);
  await system.shutdown();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
