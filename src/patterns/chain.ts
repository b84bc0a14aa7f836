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
 *
 * Spawned on a system where nothing needs the XState actor (not durable, not restored, not
 * inspected), a workflow runs in a cell of its own that takes the same steps (`chain-cell.ts`).
 */
import { assign, fromPromise, setup, type AnyActorLogic } from 'xstate';
import { OWN_CELL } from '../actors/own-cell.js';
import { realClock, type Clock } from '../runtime/clock.js';
import type { Logger } from 'pino';
import { InvalidSpecError } from '../runtime/errors.js';
import { DEFAULT_ASK_TIMEOUT, isArborRef } from '../runtime/ref.js';
import type { CellInit } from '../runtime/cell.js';
import { ChainCell } from './chain-cell.js';
import { chainOutput, failureEvent, runStage, stageEvent, stageFailure, stageState, type ChainFailure, type ChainInput, type ChainOutput, type ChainAskStage, type ChainPlan, type ChainRunStage, type ChainStage, type NamedStage } from './chain-steps.js';
import { assertPatternEvent, type PatternEvent } from './event.js';
import { assigner, effect } from './machine-config.js';
import { holdTarget, sendTarget, type EventTarget, type HeldTarget } from './targets.js';
import { duration, fn, isPlainObject, loggerOption, nonEmptyString, optionsObject, stateName } from './validate.js';

export type { ChainStage, ChainRunStage, ChainAskStage, ChainInput, ChainFailure, ChainOutput } from './chain-steps.js';

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

interface ChainContext {
  /** Under Arbor the targets' paths (plain data a durable chain can commit), else the targets. */
  sink: HeldTarget<EventTarget> | undefined;
  onFailure: HeldTarget<EventTarget> | undefined;
  events: PatternEvent[];
  failure: ChainFailure | undefined;
}

const update = assigner<ChainContext>();
const act = effect<ChainContext>();

function normalizeStages(value: unknown): NamedStage[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidSpecError('stages', value, 'must be a non-empty array');
  const names = new Set<string>();
  return value.map((stage: unknown, i) => {
    if (!isPlainObject(stage)) throw new InvalidSpecError(`stages[${i}]`, stage, 'must be an object');
    const on = nonEmptyString(stage.on, `stages[${i}].on`);
    const emit = nonEmptyString(stage.emit, `stages[${i}].emit`);
    const previous = value[i - 1] as ChainStage | undefined;
    if (previous && previous.emit !== on) throw new InvalidSpecError(`stages[${i}].on`, on, `must be what stages[${i - 1}] emits ("${previous.emit}")`);
    if (stage.to === undefined) {
      fn(stage.run, `stages[${i}].run`);
      if (stage.timeout !== undefined) throw new InvalidSpecError(`stages[${i}].timeout`, stage.timeout, 'belongs to ask stages (with to); a run stage times out by itself');
    } else {
      if (stage.run !== undefined) throw new InvalidSpecError(`stages[${i}]`, stage, 'must have either run or to, not both');
      if (!isArborRef(stage.to)) throw new InvalidSpecError(`stages[${i}].to`, stage.to, 'must be an actor ref (an arbor:// path and send)');
    }
    if (stage.validate !== undefined) fn(stage.validate, `stages[${i}].validate`);
    const name = stateName(stage.name ?? emit.split('.')[0], `stages[${i}].name`, ' (give a name when emit does not start with one)');
    if (names.has(name)) throw new InvalidSpecError(`stages[${i}].name`, name, 'must be unique in the chain');
    names.add(name);
    // An ask stage's timeout is settled here, once: the slip, its timers and the machine's ask read it.
    if (stage.to !== undefined) return { ...(stage as unknown as ChainAskStage), name, timeout: duration(stage.timeout, `stages[${i}].timeout`, DEFAULT_ASK_TIMEOUT) };
    return { ...(stage as unknown as ChainRunStage), name };
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
  const plan: ChainPlan = { id, stages: list, clock: (o.clock as Clock | undefined) ?? realClock, logger: loggerOption(o.logger).child({ chain: id }) };
  const actors: Record<string, AnyActorLogic> = {};
  const states: Record<string, object> = {};

  list.forEach((stage, i) => {
    actors[stage.name] = fromPromise<unknown, PatternEvent>(({ input: event, signal }) => runStage(stage, event, signal));
    const next = i + 1 < list.length ? stageState(list[i + 1]!) : 'completed';
    states[stageState(stage)] = {
      invoke: {
        src: stage.name,
        input: ({ context }: { context: ChainContext }) => context.events.at(-1),
        onDone: {
          target: next,
          actions: [
            update<{ output: unknown }>(({ context, event }) => ({ events: [...context.events, stageEvent(plan, stage, context.events.at(-1)!, event.output)] })),
            act(({ context, self }) => sendTarget(context.sink, self.system)?.send(context.events.at(-1)!)),
          ],
        },
        onError: {
          target: 'failed',
          actions: [
            update<{ error: unknown }>(({ context, event }) => ({ failure: stageFailure(stage, context.events.at(-1)!, event.error) })),
            act(({ context, self }) => {
              const failed = failureEvent(plan, context.failure!);
              sendTarget(context.onFailure, self.system)?.send(failed);
            }),
          ],
        },
      },
    };
  });

  const machine = setup({
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
            target: stageState(list[0]!),
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
    output: ({ context }) => chainOutput(context.events, context.failure),
  });
  plan.machine = machine;
  // Where nothing needs the XState actor, a workflow runs in a cell of its own (see `chain-cell.ts`).
  return Object.assign(machine, { [OWN_CELL]: (init: CellInit) => new ChainCell(init, plan) });
}
