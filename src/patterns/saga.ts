/**
 * Sagas as XState machines: steps run in order, each an invoked promise; when one fails (or the
 * saga's `timeout` passes), the compensations of the steps that completed run in reverse order.
 * A compensation that fails is retried with exponential backoff, up to `retry.attempts` tries
 * in all; one that still fails ends the saga `failed`. Every path ends in a final state, so the
 * saga exits normally with its outcome as output:
 *
 * - `completed`: every step ran; `results` holds each step's result by name.
 * - `compensated`: step `failedStep` failed with `reason`; `compensated` lists the steps undone.
 * - `failed`: that, and then the compensation of `compensationFailed.step` failed for good.
 *
 * The machine has one state per step (`run_<name>`), per compensation (`undo_<name>`) and per
 * backoff wait (`wait_<name>`), so its diagram is the saga's plan.
 *
 * Traces: the saga remembers the trace it was started in (the message being processed when it was
 * spawned, or the caller's active span) as a `traceparent` in its context, so a durable saga
 * resumed elsewhere keeps it; each step runs in a span `saga.step <name>` and each compensation
 * attempt in a span `saga.compensate <name>` (status error when it throws) on that trace.
 */
import type { Logger } from 'pino';
import { assign, fromPromise, setup, type AnyActorLogic } from 'xstate';
import { currentTraceparent, withChildSpan } from '../observability/active-trace.js';
import { InvalidSpecError, describe as describeValue } from '../runtime/errors.js';
import { backoffDelay } from '../supervision/backoff.js';
import { eventFields } from './event.js';
import { assigner, effect } from './machine-config.js';
import { duration, fn, integer, isPlainObject, loggerOption, nonEmptyString, optionsObject, stateName } from './validate.js';

/** What a step's `run` gets. */
export interface SagaStepContext<TInput> {
  input: TInput;
  /** Results of the steps before, by name. */
  results: Record<string, unknown>;
  /** Aborted when the saga stops waiting (timeout, shutdown). */
  signal: AbortSignal;
  /**
   * `<saga actor id>/<step name>` (`…/undo/<step name>` for a compensation): the same each time
   * this run's step runs, also when a durable saga resumes it after a crash or on another node.
   * Pass it to external calls so a step that ran again is not done twice.
   */
  idempotencyKey: string;
}

/** One step of a saga. */
export interface SagaStep<TInput = unknown> {
  /** Letters, digits, `_` and `-`; unique in the saga. */
  name: string;
  run: (ctx: SagaStepContext<TInput>) => unknown;
  /** Undoes the step; gets the step's own `result`. Steps without one need no undoing. */
  compensate?: (ctx: SagaStepContext<TInput> & { result: unknown }) => unknown;
}

/** Retries of a failing compensation. */
export interface SagaRetryOptions {
  /** Tries in all, the first included. @default 3 */
  attempts?: number;
  /** First delay, ms. @default 100 */
  min?: number;
  /** Largest delay, ms. @default 5000 */
  max?: number;
  /** @default 2 */
  factor?: number;
}

/** Options of {@link saga}. */
export interface SagaOptions<TInput = unknown> {
  /** The machine id. @default 'saga' */
  id?: string;
  steps: SagaStep<TInput>[];
  retry?: SagaRetryOptions;
  /** Ms the steps may take in all; then the saga compensates as if the running step failed. */
  timeout?: number;
  /** Step failures, retries and the outcome are logged here. @default silent */
  logger?: Logger | false;
}

export const DEFAULT_SAGA_RETRY: Required<SagaRetryOptions> = { attempts: 3, min: 100, max: 5000, factor: 2 };

export type SagaStatus = 'completed' | 'compensated' | 'failed';

/** The output of a saga machine. */
export interface SagaOutput {
  status: SagaStatus;
  results: Record<string, unknown>;
  /** The step that failed (or was running at the timeout). */
  failedStep?: string;
  reason?: string;
  /** Steps whose compensation succeeded, in the order they ran. */
  compensated: string[];
  compensationFailed?: { step: string; reason: string; attempts: number };
}

export interface SagaContext {
  input: unknown;
  /** The saga actor's id (its path under Arbor): the stem of each step's idempotency key. */
  run: string;
  results: Record<string, unknown>;
  completed: string[];
  compensated: string[];
  attempt: number;
  failedStep: string | undefined;
  reason: string | undefined;
  compensationFailed: SagaOutput['compensationFailed'];
  /** The W3C `traceparent` the saga was started in, when traced: its step and compensation spans are children of it. */
  trace?: string;
}

const update = assigner<SagaContext>();
const act = effect<SagaContext>();

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : describeValue(error);
}

function normalizeRetry(value: unknown): Required<SagaRetryOptions> {
  const o = optionsObject(value, 'retry');
  const min = o.min === undefined ? DEFAULT_SAGA_RETRY.min : integer(o.min, 'retry.min', 0);
  const max = o.max === undefined ? Math.max(min, DEFAULT_SAGA_RETRY.max) : integer(o.max, 'retry.max', min);
  const factor = o.factor ?? DEFAULT_SAGA_RETRY.factor;
  if (typeof factor !== 'number' || !(factor >= 1) || !Number.isFinite(factor)) throw new InvalidSpecError('retry.factor', factor, 'must be a number >= 1');
  return { attempts: integer(o.attempts, 'retry.attempts', 1, DEFAULT_SAGA_RETRY.attempts), min, max, factor };
}

function normalizeSteps<TInput>(value: unknown): SagaStep<TInput>[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidSpecError('steps', value, 'must be a non-empty array');
  const seen = new Set<string>();
  return value.map((step, i) => {
    if (!isPlainObject(step)) throw new InvalidSpecError(`steps[${i}]`, step, 'must be an object');
    const name = stateName(step.name, `steps[${i}].name`);
    if (seen.has(name)) throw new InvalidSpecError(`steps[${i}].name`, name, 'must be unique in the saga');
    seen.add(name);
    fn(step.run, `steps[${i}].run`);
    if (step.compensate !== undefined) fn(step.compensate, `steps[${i}].compensate`);
    return step as unknown as SagaStep<TInput>;
  });
}

/**
 * @example
 * const order = saga({
 *   steps: [
 *     { name: 'reserve', run: ({ input }) => stock.reserve(input.sku), compensate: ({ result }) => stock.release(result) },
 *     { name: 'charge', run: ({ input }) => payments.charge(input.card), compensate: ({ result }) => payments.refund(result) },
 *     { name: 'ship', run: ({ input, results }) => shipping.book(results.reserve) },
 *   ],
 *   retry: { attempts: 5, min: 200 },
 * });
 * const outcome = (await system.spawn(order, { id: 'order-1', input }).result()) as SagaOutput;
 */
export function saga<TInput = unknown>(options: SagaOptions<TInput>) {
  const o = optionsObject(options, 'options');
  const id = o.id === undefined ? 'saga' : nonEmptyString(o.id, 'id');
  const steps = normalizeSteps<TInput>(o.steps);
  const retry = normalizeRetry(o.retry);
  const timeout = o.timeout === undefined ? undefined : duration(o.timeout, 'timeout');
  const logger = loggerOption(o.logger).child({ saga: id });
  const log = (context: SagaContext) => logger.child(eventFields((context.input ?? {}) as never));

  // The compensable step at or below index `below - 1`, walking down: the next one to undo.
  const nextUndo = (below: number): string => {
    for (let j = below - 1; j >= 0; j--) if (steps[j]!.compensate) return `undo_${steps[j]!.name}`;
    return '#' + id + '.compensated';
  };
  const actors: Record<string, AnyActorLogic> = {};
  const states: Record<string, object> = {};
  const runStates: Record<string, object> = {};

  steps.forEach((step, i) => {
    actors[`run_${step.name}`] = fromPromise<unknown, SagaContext>(async ({ input: c, signal }) =>
      withChildSpan(c.trace, `saga.step ${step.name}`, { 'arbor.saga.id': id, 'arbor.saga.run': c.run, 'arbor.saga.step': step.name }, () =>
        step.run({ input: c.input as TInput, results: c.results, signal, idempotencyKey: `${c.run}/${step.name}` }),
      ),
    );
    const next = i + 1 < steps.length ? `run_${steps[i + 1]!.name}` : `#${id}.completed`;
    runStates[`run_${step.name}`] = {
      invoke: {
        src: `run_${step.name}`,
        input: ({ context }: { context: SagaContext }) => context,
        onDone: { target: next, actions: update<{ output: unknown }>(({ context, event }) => ({ results: { ...context.results, [step.name]: event.output }, completed: [...context.completed, step.name] })) },
        onError: {
          target: `#${id}.failing`,
          actions: [
            update<{ error: unknown }>(({ event }) => ({ failedStep: step.name, reason: reasonOf(event.error) })),
            act<{ error: unknown }>(({ context, event }) => log(context).warn({ step: step.name, reason: reasonOf(event.error) }, 'saga step failed')),
          ],
        },
      },
    };
    if (!step.compensate) return;
    const compensate = step.compensate;
    actors[`undo_${step.name}`] = fromPromise<unknown, SagaContext>(async ({ input: c, signal }) =>
      withChildSpan(
        c.trace,
        `saga.compensate ${step.name}`,
        { 'arbor.saga.id': id, 'arbor.saga.run': c.run, 'arbor.saga.step': step.name, 'arbor.saga.attempt': c.attempt + 1, ...(c.failedStep === undefined ? {} : { 'arbor.saga.failed_step': c.failedStep }) },
        () => compensate({ input: c.input as TInput, results: c.results, result: c.results[step.name], signal, idempotencyKey: `${c.run}/undo/${step.name}` }),
      ),
    );
    states[`undo_${step.name}`] = {
      invoke: {
        src: `undo_${step.name}`,
        input: ({ context }: { context: SagaContext }) => context,
        onDone: { target: nextUndo(i), actions: update(({ context }) => ({ compensated: [...context.compensated, step.name], attempt: 0 })) },
        onError: [
          {
            guard: ({ context }: { context: SagaContext }) => context.attempt + 1 < retry.attempts,
            target: `wait_${step.name}`,
            actions: [
              update(({ context }) => ({ attempt: context.attempt + 1 })),
              act<{ error: unknown }>(({ context, event }) =>
                log(context).warn({ step: step.name, attempt: context.attempt, reason: reasonOf(event.error) }, 'saga compensation failed; retrying'),
              ),
            ],
          },
          {
            target: `#${id}.failed`,
            actions: update<{ error: unknown }>(({ context, event }) => ({ compensationFailed: { step: step.name, reason: reasonOf(event.error), attempts: context.attempt + 1 } })),
          },
        ],
      },
    };
    states[`wait_${step.name}`] = { after: { backoff: `undo_${step.name}` } };
  });

  const failing = steps
    .map((step, j) => ({ step, j }))
    .filter(({ step }) => step.compensate)
    .reverse()
    .map(({ step, j }) => ({ guard: ({ context }: { context: SagaContext }) => context.completed.length > j, target: `undo_${step.name}` }));

  const outcome = (status: SagaStatus) => ({
    type: 'final' as const,
    entry: ({ context }: { context: SagaContext }) => {
      const line = { status, failedStep: context.failedStep, reason: context.reason, compensationFailed: context.compensationFailed };
      if (status === 'completed') log(context).info(line, 'saga completed');
      else log(context)[status === 'failed' ? 'error' : 'warn'](line, `saga ${status}`);
    },
  });

  return setup({
    types: { input: {} as TInput, context: {} as SagaContext, output: {} as SagaOutput },
    // Per-step actors are looked up by name at runtime; typing them would make the machine's type unnameable.
    actors: actors as Record<never, never>,
    delays: {
      backoff: ({ context }) => backoffDelay(context.attempt - 1, { ...retry, jitter: 0, resetAfter: 0 }, () => 0.5),
      timeout: timeout ?? 0,
    },
  }).createMachine({
    id,
    context: ({ input, self }) => {
      const traceparent = currentTraceparent();
      return {
        input,
        run: self.id,
        results: {},
        completed: [],
        compensated: [],
        attempt: 0,
        failedStep: undefined,
        reason: undefined,
        compensationFailed: undefined,
        ...(traceparent === undefined ? {} : { trace: traceparent }),
      };
    },
    initial: 'running',
    states: {
      running: {
        initial: `run_${steps[0]!.name}`,
        states: runStates,
        ...(timeout === undefined
          ? {}
          : {
              after: {
                timeout: {
                  target: 'failing',
                  actions: assign(({ context }) => ({ failedStep: steps[context.completed.length]?.name, reason: `saga timed out after ${timeout} ms` })),
                },
              },
            }),
      },
      failing: { always: [...failing, { target: 'compensated' }] },
      ...states,
      completed: outcome('completed'),
      compensated: outcome('compensated'),
      failed: outcome('failed'),
    } as Record<string, object>,
    output: ({ context }) => {
      const status: SagaStatus = context.compensationFailed ? 'failed' : context.failedStep !== undefined ? 'compensated' : 'completed';
      const out: SagaOutput = { status, results: context.results, compensated: context.compensated };
      if (context.failedStep !== undefined) out.failedStep = context.failedStep;
      if (context.reason !== undefined) out.reason = context.reason;
      if (context.compensationFailed) out.compensationFailed = context.compensationFailed;
      return out;
    },
  });
}
