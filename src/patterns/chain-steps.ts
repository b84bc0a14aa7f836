/**
 * What a chain does at each step, shared by its two runners: the XState machine `chain()` returns
 * (diagrams, checks, durable and inspected runs) and the chain's own cell (`chain-cell.ts`, every
 * other run). Both run a stage, derive the event it emits and describe a failure through these
 * functions, so the two cannot drift apart.
 */
import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.js';
import type { ArborEvent } from '../runtime/event.js';
import type { ActorRef } from '../runtime/ref.js';
import { describe as describeValue } from '../runtime/errors.js';
import { slipEvent } from './chain-slip.js';
import { deriveEvent, eventLogger, type PatternEvent } from './event.js';
import type { EventTarget } from './targets.js';

interface StageBase<TOut> {
  /** The event type this stage reacts to. */
  on: string;
  /** The event type it emits, with the stage's output as `data`. */
  emit: string;
  /** Accepts the output (`true`) or rejects it with a reason. @default accept */
  validate?(output: TOut): true | string;
  /** Letters, digits, `_` and `-`. @default the first word of `emit` */
  name?: string;
}

/** A stage that runs a function where the chain runs. */
export interface ChainRunStage<TIn = unknown, TOut = unknown> extends StageBase<TOut> {
  // Method syntax on purpose: stages with different data types then fit one `ChainStage[]`.
  /** Does the stage's work on the incoming event's `data`; what it returns is the output. */
  run(data: TIn, event: PatternEvent<TIn>, signal: AbortSignal): TOut | Promise<TOut>;
  to?: undefined;
}

/**
 * A stage that asks an actor: it is sent the incoming event with a `replyTo`, and its reply (an
 * event) is the output. Consecutive ask stages form a routing slip: each stage's reply goes on to
 * the next stage from the node that answered, not through the chain's node (`chain-slip.ts`);
 * a stage with `validate` ends the slip, as its output is checked where the chain runs.
 */
export interface ChainAskStage<TOut = ArborEvent> extends StageBase<TOut> {
  /** The actor that does the stage's work, anywhere in the cluster. */
  to: ActorRef;
  /** How long the stage may take to reply, in ms. @default 5000 (as `ask`) */
  timeout?: number;
  run?: undefined;
}

/** One stage of a chain: a function it runs, or an actor it asks. */
export type ChainStage<TIn = unknown, TOut = unknown> = ChainRunStage<TIn, TOut> | ChainAskStage<TOut>;

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

/** A stage once validated: its name is known, and an ask stage's timeout. */
export type NamedStage = (ChainRunStage & { name: string }) | NamedAskStage;

/** An ask stage once validated. */
export type NamedAskStage = ChainAskStage & { name: string; timeout: number };

/** What both runners of one chain share: its validated stages and options. */
export interface ChainPlan {
  readonly id: string;
  readonly stages: readonly NamedStage[];
  readonly clock: Clock;
  /** The chain's logger (`chain` = its id). */
  readonly logger: Logger;
  /** The machine `chain()` returned (what the inspector draws). */
  machine?: unknown;
}

class InvalidOutput extends Error {}

/** The state a stage runs in. */
export function stageState(stage: NamedStage): string {
  return `stage_${stage.name}`;
}

/**
 * Runs `stage` on `event` (calls its function, or asks its actor) and validates its output:
 * rejects with the error, or with an {@link InvalidOutput}.
 */
export async function runStage(stage: NamedStage, event: PatternEvent, signal: AbortSignal): Promise<unknown> {
  const output = stage.to !== undefined ? await stage.to.ask(event, { timeout: stage.timeout }) : await stage.run(event.data as never, event as never, signal);
  checkOutput(stage, output);
  return output;
}

/** Throws an {@link InvalidOutput} when `stage`'s validator rejects `output`. */
export function checkOutput(stage: NamedStage, output: unknown): void {
  const verdict = stage.validate ? stage.validate(output as never) : true;
  if (verdict !== true) throw new InvalidOutput(typeof verdict === 'string' ? verdict : `rejected ${describeValue(output)}`);
}

/** The event `stage` emits for `output`, caused by `last` (logged at debug). */
export function stageEvent(plan: ChainPlan, stage: NamedStage, last: PatternEvent, output: unknown): PatternEvent {
  // An ask stage's event has the id its routing slip gives it (see `slipEvent`), whichever runner made it.
  const emitted = stage.to !== undefined ? slipEvent(stage.emit, output as ArborEvent, last, plan.id, plan.clock.now()) : deriveEvent(last, stage.emit, output, plan.id, { clock: plan.clock });
  // A child logger per emitted event costs its bindings' serialisation: only when the line is written.
  if (plan.logger.isLevelEnabled('debug')) eventLogger(plan.logger, emitted).debug({ stage: stage.name }, 'chain stage emitted');
  return emitted;
}

/** How `stage` failed on `event` with `error` (a throw, a rejection or a refused output). */
export function stageFailure(stage: NamedStage, event: PatternEvent, error: unknown): ChainFailure {
  return {
    stage: stage.name,
    kind: error instanceof InvalidOutput ? 'invalid' : 'error',
    reason: error instanceof Error ? error.message : describeValue(error),
    event,
  };
}

/** The `chain.failed` event for `failure` (the failure is logged as a warning). */
export function failureEvent(plan: ChainPlan, failure: ChainFailure): PatternEvent {
  eventLogger(plan.logger, failure.event).warn({ stage: failure.stage, kind: failure.kind, reason: failure.reason }, 'chain stage failed');
  return deriveEvent(failure.event, 'chain.failed', failure, plan.id, { clock: plan.clock });
}

/** The output of a chain that ended with `events` (and `failure`, if it failed). */
export function chainOutput(events: PatternEvent[], failure: ChainFailure | undefined): ChainOutput {
  const out: ChainOutput = { status: failure ? 'failed' : 'completed', events };
  if (failure) out.failure = failure;
  return out;
}
