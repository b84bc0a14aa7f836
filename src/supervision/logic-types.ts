/**
 * Types computed from logic: the ref a piece of logic gets and the input it takes. They let `tsc`
 * catch a wrong `input`, `logic: 42` or an event the target does not accept.
 */
import type { AnyActorLogic, AnyActorRef, EventFromLogic, InputFrom, OutputFrom } from 'xstate';
import type { ActorRef } from '../runtime/ref.js';

/** What a child runs: XState actor logic or a nested `supervisor(...)` (which has a `spec`). */
export type ChildLogic = AnyActorLogic | { readonly spec: object };

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
