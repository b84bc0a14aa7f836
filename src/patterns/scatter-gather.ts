/**
 * Fan-out / scatter-gather as XState machine logic: on start, one request goes to each worker ref
 * (an `ask` per worker, in parallel); replies are gathered until the policy is met, a failure
 * decides it, or the deadline passes. The machine then ends with the output
 * `{ ok, results, failures, timedOut, reason? }`, so a supervisor, a parent machine or a test
 * reads the outcome alike, and `toMermaid` / `checkMachine` work on it.
 *
 * Policies (`n` workers): `all` needs every reply; `any` the first; `quorum` needs `k` replies
 * (default a majority, `floor(n / 2) + 1`); `first-k` takes the first `k` replies and ignores the
 * rest. A failure is an ask that fails (dead-lettered, crashed worker) or a reply `validate`
 * rejects. `onPartialFailure: 'fail'` ends the gather as failed at the first failure that comes
 * before the policy is met; `'proceed'` records it and fails only when the policy can no longer
 * be met (under `all`, failed workers are left out, but at least one reply is needed). At the
 * deadline, workers without a reply become failures (`ASK_TIMEOUT`) and `timedOut` is true; the
 * gather then succeeds only if what came in meets the policy by those same rules.
 *
 * Durable (`durable: true`): the context keeps the workers' paths, not their refs (see
 * `targets.ts`), so the results gathered so far are committed with it; a resumed gather asks
 * again only the workers whose reply it had not taken (their asks are persisted children, started
 * again with the same input), and its deadline keeps the time it had left.
 */
import type { Logger } from 'pino';
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { eventFields } from './event.js';
import type { ArborEvent } from '../runtime/event.js';
import type { ActorRef } from '../runtime/ref.js';
import { describe, toError } from '../runtime/errors.js';
import { askTarget, heldPath, holdTarget, type HeldTarget } from './targets.js';
import { duration, integer, loggerOption, nonEmptyString, oneOf, optionsObject } from './validate.js';

export type GatherPolicy = 'all' | 'any' | 'quorum' | 'first-k';
export type PartialFailure = 'fail' | 'proceed';

/** Options of {@link scatterGather}. */
export interface ScatterGatherOptions<TReply = ArborEvent> {
  /** @default 'all' */
  policy?: GatherPolicy;
  /** Replies needed under `quorum` (default a majority) and `first-k` (required). */
  k?: number;
  /** Ms from start until the gather decides with what it has. */
  deadline: number;
  /** @default 'fail' */
  onPartialFailure?: PartialFailure;
  /** Accepts a reply (`true`) or rejects it with a reason (a string). @default accept every reply */
  validate?: (reply: TReply) => true | string;
  /** The machine id. @default 'scatterGather' */
  id?: string;
  /** The outcome is logged here, with the request's event ids. @default silent */
  logger?: Logger | false;
}

/** Input of a scatter-gather machine. */
export interface ScatterGatherInput {
  /** Refs, or paths (`arbor://...`, resolved when asked). */
  workers: readonly (ActorRef | string)[];
  /** Sent to every worker (with a `replyTo` added). */
  request: ArborEvent;
}

export interface GatherResult<TReply> {
  worker: string;
  index: number;
  reply: TReply;
}

export interface GatherFailure {
  worker: string;
  index: number;
  reason: string;
  code?: string;
}

/** The output of a scatter-gather machine. */
export interface GatherOutput<TReply = ArborEvent> {
  ok: boolean;
  /** Accepted replies, in arrival order. */
  results: GatherResult<TReply>[];
  failures: GatherFailure[];
  timedOut: boolean;
  /** Why the gather failed. */
  reason?: string;
}

export interface GatherContext<TReply> {
  /** Under Arbor their paths (plain data a durable gather can commit), else the refs. */
  workers: readonly HeldTarget<ActorRef>[];
  request: ArborEvent;
  needed: number;
  /** Indices still awaited. */
  pending: number[];
  results: GatherResult<TReply>[];
  failures: GatherFailure[];
  timedOut: boolean;
}

type Verdict = 'pending' | 'ok' | 'failed';

/** How many replies a policy needs from `n` workers. */
export function repliesNeeded(policy: GatherPolicy, n: number, k: number | undefined): number {
  if (policy === 'all') return n;
  if (policy === 'any') return 1;
  if (policy === 'quorum') return k ?? Math.floor(n / 2) + 1;
  return k ?? 1;
}

/**
 * The decision, given what has come in so far (pure; the machine's guard and output use it).
 * Under `all` + `'proceed'` a failed worker is left out of what is needed, but one reply at least is.
 */
export function gatherVerdict(
  policy: GatherPolicy,
  onPartialFailure: PartialFailure,
  needed: number,
  c: { results: readonly unknown[]; failures: readonly unknown[]; pending: readonly unknown[] },
): Verdict {
  const need = policy === 'all' && onPartialFailure === 'proceed' ? Math.max(needed - c.failures.length, Math.min(1, needed)) : needed;
  if (c.results.length >= need) return 'ok';
  if (onPartialFailure === 'fail' && c.failures.length > 0) return 'failed';
  if (c.results.length + c.pending.length < need) return 'failed';
  return 'pending';
}

function indexOf(actorId: string): number {
  return Number(actorId.slice('ask-'.length));
}

/**
 * @example
 * const gather = scatterGather({ policy: 'quorum', k: 2, deadline: 5000, onPartialFailure: 'proceed' });
 * const ref = system.spawn(gather, { id: 'g', input: { workers: [a, b, c], request: { type: 'estimate' } } });
 * const { ok, results, failures, timedOut } = (await ref.result()) as GatherOutput;
 */
export function scatterGather<TReply = ArborEvent>(options: ScatterGatherOptions<TReply>) {
  const o = optionsObject(options, 'options');
  const policy = oneOf(o.policy, ['all', 'any', 'quorum', 'first-k'] as const, 'policy', 'all');
  const onPartialFailure = oneOf(o.onPartialFailure, ['fail', 'proceed'] as const, 'onPartialFailure', 'fail');
  const deadline = duration(o.deadline, 'deadline');
  const k = policy === 'first-k' ? integer(o.k, 'k', 1) : policy === 'quorum' && o.k !== undefined ? integer(o.k, 'k', 1) : undefined;
  const validate = options.validate ?? (() => true as const);
  const id = o.id === undefined ? 'scatterGather' : nonEmptyString(o.id, 'id');
  const verdict = (c: GatherContext<TReply>) => gatherVerdict(policy, onPartialFailure, c.needed, c);
  const settle = (c: GatherContext<TReply>, index: number) => c.pending.filter((i) => i !== index);
  const logger = loggerOption(o.logger).child({ gather: id });

  return setup({
    types: {
      input: {} as ScatterGatherInput,
      context: {} as GatherContext<TReply>,
      output: {} as GatherOutput<TReply>,
    },
    actors: {
      ask: fromPromise<unknown, { ref: HeldTarget<ActorRef>; request: ArborEvent }>(async ({ input, system }) =>
        askTarget(input.ref, system).ask(input.request, { timeout: deadline + 1 }),
      ),
    },
    delays: { deadline },
    guards: {
      decided: ({ context }) => verdict(context) !== 'pending',
    },
  }).createMachine({
    id,
    context: ({ input, self }) => {
      const workers = (input?.workers ?? []).map((ref) => (typeof ref === 'string' ? ref : holdTarget(ref, self.system)));
      return {
        workers,
        request: input?.request ?? { type: 'request' },
        needed: repliesNeeded(policy, workers.length, k),
        pending: workers.map((_, i) => i),
        results: [],
        failures: [],
        timedOut: false,
      };
    },
    initial: 'gathering',
    states: {
      gathering: {
        entry: enqueueActions(({ context, enqueue }) => {
          context.workers.forEach((ref, i) => enqueue.spawnChild('ask', { id: `ask-${i}`, input: { ref, request: context.request } }));
        }),
        always: { guard: 'decided', target: 'done' },
        after: {
          deadline: {
            target: 'done',
            actions: assign(({ context }) => ({
              timedOut: true,
              pending: [],
              failures: [
                ...context.failures,
                ...context.pending.map((index) => ({ worker: workerName(context.workers[index]!), index, reason: `no reply within ${deadline} ms`, code: 'ASK_TIMEOUT' })),
              ],
            })),
          },
        },
        on: {
          'xstate.done.actor.*': {
            actions: assign(({ context, event }) => {
              const index = indexOf((event as unknown as { actorId: string }).actorId);
              if (!context.pending.includes(index)) return {};
              const reply = (event as unknown as { output: TReply }).output;
              const worker = workerName(context.workers[index]!);
              const accepted = validate(reply);
              return accepted === true
                ? { pending: settle(context, index), results: [...context.results, { worker, index, reply }] }
                : { pending: settle(context, index), failures: [...context.failures, { worker, index, reason: `reply rejected: ${accepted}`, code: 'INVALID_REPLY' }] };
            }),
          },
          'xstate.error.actor.*': {
            actions: assign(({ context, event }) => {
              const index = indexOf((event as unknown as { actorId: string }).actorId);
              if (!context.pending.includes(index)) return {};
              const error = (event as unknown as { error: unknown }).error;
              const code = (error as { code?: unknown } | null)?.code;
              const failure: GatherFailure = { worker: workerName(context.workers[index]!), index, reason: error instanceof Error ? toError(error).message : describe(error) };
              if (typeof code === 'string') failure.code = code;
              return { pending: settle(context, index), failures: [...context.failures, failure] };
            }),
          },
        },
      },
      done: {
        type: 'final',
        entry: ({ context }) => {
          const ok = verdict(context) === 'ok';
          // Per gather: build the log line only when it is written.
          if (!logger.isLevelEnabled(ok ? 'info' : 'warn')) return;
          const line = { ...eventFields(context.request), ok, results: context.results.length, failures: context.failures.length, timedOut: context.timedOut };
          if (ok) logger.info(line, 'gather done');
          else logger.warn({ ...line, reason: reasonOf(policy, context) }, 'gather failed');
        },
      },
    },
    output: ({ context }) => {
      const taken = policy === 'first-k' ? context.results.slice(0, context.needed) : context.results;
      const ok = verdict(context) === 'ok';
      const out: GatherOutput<TReply> = { ok, results: taken, failures: context.failures, timedOut: context.timedOut };
      if (!ok) out.reason = reasonOf(policy, context);
      return out;
    },
  });
}

function workerName(worker: HeldTarget<ActorRef>): string {
  return heldPath(worker) ?? describe(worker);
}

function reasonOf(policy: GatherPolicy, c: GatherContext<unknown>): string {
  const first = c.failures[0];
  const tail = first ? `; first failure: ${first.worker}: ${first.reason}` : '';
  return `${policy} needed ${c.needed} of ${c.workers.length} replies, got ${c.results.length}${c.timedOut ? ' by the deadline' : ''}${tail}`;
}
