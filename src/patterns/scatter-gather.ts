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
 *
 * Spawned on a system where nothing needs the XState actor (not durable, not restored, not
 * inspected), a gather runs in a cell of its own that takes the same steps (`gather-cell.ts`).
 */
import type { Logger } from 'pino';
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { OWN_CELL } from '../actors/own-cell.js';
import type { CellInit } from '../runtime/cell.js';
import type { ArborEvent } from '../runtime/event.js';
import type { ActorRef } from '../runtime/ref.js';
import { GatherCell } from './gather-cell.js';
import {
  gatherOutput,
  initialContext,
  logOutcome,
  onAskError,
  onDeadline,
  onReply,
  verdictOf,
  type GatherContext,
  type GatherOutput,
  type GatherPlan,
  type GatherPolicy,
  type PartialFailure,
  type ScatterGatherInput,
} from './gather-steps.js';
import { askTarget, holdTarget, type HeldTarget } from './targets.js';
import { duration, integer, loggerOption, nonEmptyString, oneOf, optionsObject } from './validate.js';

export { gatherVerdict, repliesNeeded } from './gather-steps.js';
export type { GatherContext, GatherFailure, GatherOutput, GatherPolicy, GatherResult, PartialFailure, ScatterGatherInput } from './gather-steps.js';

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
  const deadline = duration(o.deadline, 'deadline');
  const id = o.id === undefined ? 'scatterGather' : nonEmptyString(o.id, 'id');
  const plan: GatherPlan<TReply> = {
    id,
    policy,
    onPartialFailure: oneOf(o.onPartialFailure, ['fail', 'proceed'] as const, 'onPartialFailure', 'fail'),
    deadline,
    k: policy === 'first-k' ? integer(o.k, 'k', 1) : policy === 'quorum' && o.k !== undefined ? integer(o.k, 'k', 1) : undefined,
    validate: options.validate ?? (() => true as const),
    logger: loggerOption(o.logger).child({ gather: id }),
  };
  const general = plan as GatherPlan<unknown>;

  const machine = setup({
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
      decided: ({ context }) => verdictOf(general, context) !== 'pending',
    },
  }).createMachine({
    id,
    context: ({ input, self }) => initialContext(plan, input, (ref) => holdTarget(ref, self.system)),
    initial: 'gathering',
    states: {
      gathering: {
        entry: enqueueActions(({ context, enqueue }) => {
          context.workers.forEach((ref, i) => enqueue.spawnChild('ask', { id: `ask-${i}`, input: { ref, request: context.request } }));
        }),
        always: { guard: 'decided', target: 'done' },
        after: {
          deadline: { target: 'done', actions: assign(({ context }) => onDeadline(plan, context)) },
        },
        on: {
          'xstate.done.actor.*': {
            actions: assign(({ context, event }) => onReply(plan, context, indexOf((event as unknown as { actorId: string }).actorId), (event as unknown as { output: TReply }).output)),
          },
          'xstate.error.actor.*': {
            actions: assign(({ context, event }) => onAskError(context, indexOf((event as unknown as { actorId: string }).actorId), (event as unknown as { error: unknown }).error)),
          },
        },
      },
      done: {
        type: 'final',
        entry: ({ context }) => logOutcome(general, context),
      },
    },
    output: ({ context }) => gatherOutput(plan, context),
  });
  plan.machine = machine;
  // Where nothing needs the XState actor, a gather runs in a cell of its own (see `gather-cell.ts`).
  return Object.assign(machine, { [OWN_CELL]: (init: CellInit) => new GatherCell(init, plan) });
}
