/**
 * Types computed from logic: the ref a piece of logic gets and the input it takes. They let `tsc`
 * catch a wrong `input`, `logic: 42` or an event the target does not accept.
 */
import type { AnyActorLogic, AnyActorRef, EventFromLogic, InputFrom, OutputFrom } from 'xstate';
import type { ActorRef } from '../runtime/ref.js';

/** What a child runs: XState actor logic or a nested `supervisor(...)` (which has a `spec`). */
export type ChildLogic = AnyActorLogic | { readonly spec: object };

/**
 * Where supervisor logic carries the type of its result, for `tsc` only: the property is never
 * set (the `~` keeps it last in completions, as Standard Schema's `~standard`).
 */
export interface OutputCarrier<TOutput> {
  readonly '~output'?: TOutput;
}

/**
 * What a child's logic ends with: XState's `OutputFrom` for actor logic, the aggregated result for
 * a nested supervisor, `unknown` when the logic is not known (a child placed by `kind`).
 */
export type OutputOf<TLogic> = ChildLogic extends TLogic ? unknown : TLogic extends AnyActorLogic ? OutputFrom<TLogic> : TLogic extends OutputCarrier<infer O> ? O : unknown;

/**
 * The result of a supervisor whose children run `TLogics` under the ids `TIds` (both inferred by
 * `supervisor(...)`): what the runtime aggregates (src/supervision/aggregate.ts), each child's
 * output under its id. Every key is optional because the runtime leaves out a child without a
 * result: under `'any'` or `'quorum'`, with `onPartialFailure: 'proceed'`, at an auto-shutdown,
 * or after `terminateChild`. With children not known one by one (none, or a list built at run
 * time), and for children added by `startChild`, the keys are any string.
 */
export type SupervisorOutput<TLogics extends readonly unknown[], TIds extends readonly string[]> = number extends TIds['length']
  ? Partial<Record<string, OutputOf<TLogics[number]>>>
  : TIds extends readonly []
    ? Partial<Record<string, unknown>>
    : { [K in keyof TIds as K extends `${number}` ? TIds[K] : never]?: K extends keyof TLogics ? OutputOf<TLogics[K]> : unknown };

/** A ref to an actor running `TLogic`: `send`/`ask` take its events, `result()` its output. */
export type RefOf<TLogic> = TLogic extends AnyActorLogic ? ActorRef<EventFromLogic<TLogic>, OutputFrom<TLogic>> : ActorRef;

/**
 * `T` where an Arbor ref may stand for each XState `AnyActorRef` (machines type refs in their
 * input as XState's, and Arbor hands its own refs, which XState's `sendTo` accepts).
 */
export type AcceptingArborRefs<T> = T extends AnyActorRef
  ? T | ActorRef<never, unknown>
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { [K in keyof T]: AcceptingArborRefs<T[K]> }
      : T;

/** The `input` a child's logic takes: XState's `InputFrom` for actor logic, anything for a supervisor. */
export type LogicInput<TLogic> = TLogic extends AnyActorLogic ? AcceptingArborRefs<InputFrom<TLogic>> : unknown;
