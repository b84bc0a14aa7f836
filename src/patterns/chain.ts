/**
 * Event chaining: stages that each react to one event type and emit the next (research →
 * draft → review → publish). `chain(stages)` is XState machine logic for one workflow: it waits
 * for the first stage's event, then runs each stage in turn (an invoked promise per stage),
 * derives the emitted event from the one it reacted to (same correlation id, caused by it) and
 * sends it to `input.sink` (for instance a {@link publisher}, so choreography subscribers see
 * every step). Stage `i + 1` must react to what stage `i` emits.
 *
 * Each stage may `validate` its output. A stage whose `run` throws, or whose output its
 * validator rejects, ends the chain `failed`: a `chain.failed` event naming the stage, the
 * kind (`'error'` or `'invalid'`), the reason and the offending event goes to
 * `input.onFailure` (a failure handler or a dead-letter collector), and the output records it.
 *
 * Durable (`durable: true`): the context keeps the sink's and the failure handler's paths, not the
 * refs (see `targets.ts`), so a durable chain with a sink commits its position after each stage
 * and a resumed one runs only the stages it had not finished.
 */
import type { Logger } from 'pino';
import { assign, fromPromise, setup, type AnyActorLogic } from 'xstate';
import { realClock, type Clock } from '../runtime/clock.js';
import { InvalidSpecError, describe as describeValue } from '../runtime/errors.js';
import { assertPatternEvent, deriveEvent, eventLogger, type PatternEvent } from './event.js';
import { assigner, effect } from './machine-config.js';
import { holdTarget, sendTarget, type EventTarget, type HeldTarget } from './targets.js';
import { fn, isPlainObject, loggerOption, nonEmptyString, optionsObject, stateName } from './validate.js';

/** One stage of a chain. */
export interface ChainStage<TIn = unknown, TOut = unknown> {
  /** The event type this stage reacts to. */
  on: string;
  /** The event type it emits, with `run`'s result as `data`. */
  emit: string;
  // Method syntax on purpose: stages with different data types then fit one `ChainStage[]`.
  /** Does the stage's work on the incoming event's `data`. */
  run(data: TIn, event: PatternEvent<TIn>, signal: AbortSignal): TOut | Promise<TOut>;
  /** Accepts the output (`true`) or rejects it with a reason. @default accept */
  validate?(output: TOut): true | string;
  /** Letters, digits, `_` and `-`. @default the first word of `emit` */
  name?: string;
}

/** Options of {@link chain}. */
export interface ChainOptions {
  /** The machine id and the `source` of emitted events. @default 'chain' */
  id?: string;
  /** Stamps emitted events. @default the wall clock */
  clock?: Clock;
  /** @default silent */
  logger?: Logger | false;
}

export type { EventTarget } from './targets.js';

/** Input of a chain machine. */
export interface ChainInput {
  /** Receives every event a stage emits. */
  sink?: EventTarget;
  /** Receives the `chain.failed` event. */
  onFailure?: EventTarget;
}

export interface ChainFailure {
  stage: string;
  kind: 'error' | 'invalid';
  reason: string;
  /** The event the stage was reacting to. */
  event: PatternEvent;
}

/** The output of a chain machine. */
export interface ChainOutput {
  status: 'completed' | 'failed';
  /** Every event of the workflow so far, the starting one first. */
  events: PatternEvent[];
  failure?: ChainFailure;
}

interface ChainContext {
  /** Under Arbor the targets' paths (plain data a durable chain can commit), else the targets. */
  sink: HeldTarget<EventTarget> | undefined;
  onFailure: HeldTarget<EventTarget> | undefined;
  events: PatternEvent[];
  failure: ChainFailure | undefined;
}

class InvalidOutput extends Error {}

const update = assigner<ChainContext>();
const act = effect<ChainContext>();

function normalizeStages(value: unknown): (ChainStage & { name: string })[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidSpecError('stages', value, 'must be a non-empty array');
  const names = new Set<string>();
  return value.map((stage: unknown, i) => {
    if (!isPlainObject(stage)) throw new InvalidSpecError(`stages[${i}]`, stage, 'must be an object');
    const on = nonEmptyString(stage.on, `stages[${i}].on`);
    const emit = nonEmptyString(stage.emit, `stages[${i}].emit`);
    const previous = value[i - 1] as ChainStage | undefined;
    if (previous && previous.emit !== on) throw new InvalidSpecError(`stages[${i}].on`, on, `must be what stages[${i - 1}] emits ("${previous.emit}")`);
    fn(stage.run, `stages[${i}].run`);
    if (stage.validate !== undefined) fn(stage.validate, `stages[${i}].validate`);
    const name = stateName(stage.name ?? emit.split('.')[0], `stages[${i}].name`, ' (give a name when emit does not start with one)');
    if (names.has(name)) throw new InvalidSpecError(`stages[${i}].name`, name, 'must be unique in the chain');
    names.add(name);
    return { ...(stage as unknown as ChainStage), name };
  });
}

/**
 * @example
 * const article = chain([
 *   { on: 'research.requested', emit: 'research.done', run: research, validate: (notes) => notes.length > 0 || 'no notes' },
 *   { on: 'research.done', emit: 'draft.done', run: write },
 *   { on: 'draft.done', emit: 'review.done', run: review },
 *   { on: 'review.done', emit: 'article.published', run: publish },
 * ]);
 * const ref = system.spawn(article, { id: 'article-1', input: { sink: publisher(system), onFailure: deadLetters } });
 * ref.send(createEvent('research.requested', { topic }, { source: 'planner' }));
 */
export function chain(stages: readonly ChainStage[], options: ChainOptions = {}) {
  const o = optionsObject(options, 'options');
  const id = o.id === undefined ? 'chain' : nonEmptyString(o.id, 'id');
  const list = normalizeStages(stages);
  const clock = (o.clock as Clock | undefined) ?? realClock;
  const logger = loggerOption(o.logger).child({ chain: id });
  const actors: Record<string, AnyActorLogic> = {};
  const states: Record<string, object> = {};

  list.forEach((stage, i) => {
    actors[stage.name] = fromPromise<unknown, PatternEvent>(async ({ input: event, signal }) => {
      const output = await stage.run(event.data as never, event as never, signal);
      const verdict = stage.validate ? stage.validate(output as never) : true;
      if (verdict !== true) throw new InvalidOutput(typeof verdict === 'string' ? verdict : `rejected ${describeValue(output)}`);
      return output;
    });
    const next = i + 1 < list.length ? `stage_${list[i + 1]!.name}` : 'completed';
    states[`stage_${stage.name}`] = {
      invoke: {
        src: stage.name,
        input: ({ context }: { context: ChainContext }) => context.events.at(-1),
        onDone: {
          target: next,
          actions: [
            update<{ output: unknown }>(({ context, event }) => ({ events: [...context.events, deriveEvent(context.events.at(-1)!, stage.emit, event.output, id, { clock })] })),
            act(({ context, self }) => {
              const emitted = context.events.at(-1)!;
              // A child logger per emitted event costs its bindings' serialisation: only when the line is written.
              if (logger.isLevelEnabled('debug')) eventLogger(logger, emitted).debug({ stage: stage.name }, 'chain stage emitted');
              sendTarget(context.sink, self.system)?.send(emitted);
            }),
          ],
        },
        onError: {
          target: 'failed',
          actions: [
            update<{ error: unknown }>(({ context, event }) => ({
              failure: {
                stage: stage.name,
                kind: event.error instanceof InvalidOutput ? 'invalid' : 'error',
                reason: event.error instanceof Error ? event.error.message : describeValue(event.error),
                event: context.events.at(-1)!,
              },
            })),
            act(({ context, self }) => {
              const failure = context.failure!;
              eventLogger(logger, failure.event).warn({ stage: failure.stage, kind: failure.kind, reason: failure.reason }, 'chain stage failed');
              sendTarget(context.onFailure, self.system)?.send(deriveEvent(failure.event, 'chain.failed', failure, id, { clock }));
            }),
          ],
        },
      },
    };
  });

  return setup({
    types: { input: {} as ChainInput | undefined, context: {} as ChainContext, output: {} as ChainOutput, events: {} as PatternEvent },
    actors: actors as Record<never, never>,
  }).createMachine({
    id,
    context: ({ input, self }) => ({ sink: holdTarget(input?.sink, self.system), onFailure: holdTarget(input?.onFailure, self.system), events: [], failure: undefined }),
    initial: 'waiting',
    states: {
      waiting: {
        on: {
          [list[0]!.on]: {
            target: `stage_${list[0]!.name}`,
            actions: assign(({ event }) => {
              assertPatternEvent(event);
              return { events: [event] };
            }),
          },
        },
      },
      ...states,
      completed: { type: 'final' },
      failed: { type: 'final' },
    } as Record<string, object>,
    output: ({ context }) => {
      const out: ChainOutput = { status: context.failure ? 'failed' : 'completed', events: context.events };
      if (context.failure) out.failure = context.failure;
      return out;
    },
  });
}
