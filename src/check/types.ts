/** Options and report types of `checkMachine`, with their defaults (validated by `options.ts`). */
import type { Arbitrary } from 'fast-check';
import type { AnyStateMachine, EventFromLogic, EventObject, SnapshotFrom } from 'xstate';

/** A predicate that must hold in every reachable snapshot (status `'active'` or `'done'`). */
export type Invariant<TMachine extends AnyStateMachine = AnyStateMachine> = (snapshot: SnapshotFrom<TMachine>) => boolean;

/**
 * Where payloads come from: an arbitrary, or an explicit list of every possible value. A list, or
 * an arbitrary small and finite enough to enumerate (`fc.integer({ min: 0, max: 8 })`,
 * `fc.constantFrom(...)`, `fc.boolean()`, and records, tuples, `oneof`, `map` and `filter` of
 * those, up to 64 values), is tried in full; any other arbitrary is sampled.
 */
export type PayloadSource<T> = Arbitrary<T> | readonly T[];

/** Payload sources per event type: each value is spread into `{ type, ...payload }`. */
export type EventPayloads<TMachine extends AnyStateMachine = AnyStateMachine> = {
  [K in EventFromLogic<TMachine>['type']]?: PayloadSource<Omit<Extract<EventFromLogic<TMachine>, { type: K }>, 'type'>>;
};

/**
 * How the check simulates one invoked or spawned actor. By default an actor never runs: it stays
 * pending until the search decides how it ends, done with `output: undefined` or failed with an
 * `Error`, both guesses that keep the report from claiming to be exhaustive. Without options an
 * outcome is tried only where the machine handles it (`onDone`/`onError`, or an `on` for
 * `xstate.done.actor.<id>`/`xstate.error.actor.<id>`).
 */
export interface ActorSimulation {
  /** Outputs it may finish with (`event.output` of `onDone`). @default `undefined`, guessed, where handled */
  readonly output?: PayloadSource<unknown>;
  /**
   * Whether it may fail, or the errors it may fail with (`event.error` of `onError`); `true` also
   * where no `onError` handles it, which then crashes the machine.
   * @default an `Error` naming the actor, guessed, where handled
   */
  readonly error?: boolean | PayloadSource<unknown>;
  /**
   * Run the real actor logic instead (its promises, callbacks and timers really start; what
   * happens after the synchronous part is not explored). @default false
   */
  readonly run?: boolean;
}

/** Options of {@link checkMachine}. Everything is optional. */
export interface CheckOptions<TMachine extends AnyStateMachine = AnyStateMachine> {
  /** Named invariants that must hold in every reachable snapshot. @default {} */
  readonly invariants?: Readonly<Record<string, Invariant<TMachine>>>;
  /**
   * Payloads for events that carry data (arbitraries, or lists of every value); other events are
   * sent as `{ type }`, and when the machine reads a field of such an event the report notes the
   * payload as guessed. @default {}
   */
  readonly events?: EventPayloads<TMachine>;
  /**
   * Invoked and spawned actors by their `src` name (the key in `setup({ actors })`); inline logic
   * by its invoke `id`, or without one by the key of the state that invokes it (as diagrams label
   * it): what outputs and errors to simulate, or `run: true` to run the real one.
   * Actors are simulated, never run, unless so marked: a check starts no promise, timer or request.
   *
   * @example
   * actors: { fetchUser: { output: fc.record({ name: fc.constantFrom('ann', 'bob') }), error: true } }
   * @default {}
   */
  readonly actors?: Readonly<Record<string, ActorSimulation>>;
  /** Random event sequences tried per goal (errors, and each invariant). @default 100 */
  readonly numRuns?: number;
  /** fast-check seed; the same seed gives the same report. @default 42 */
  readonly seed?: number;
  /** Longest event sequence tried, by the breadth-first search and by random walks. @default 20 */
  readonly maxSteps?: number;
  /**
   * Most distinct snapshots (state value + context) the breadth-first search expands; it bounds
   * the search for machines whose context grows without bound. @default 500
   */
  readonly maxStates?: number;
  /** `input` for `createActor(machine, { input })`. @default undefined */
  readonly input?: unknown;
}

/** {@link CheckOptions} after defaults are applied. */
export interface NormalizedCheckOptions {
  readonly invariants: Readonly<Record<string, Invariant>>;
  readonly events: Readonly<Record<string, PayloadSource<unknown> | undefined>>;
  readonly actors: Readonly<Record<string, ActorSimulation | undefined>>;
  readonly numRuns: number;
  readonly seed: number;
  readonly maxSteps: number;
  readonly maxStates: number;
  readonly input: unknown;
}

/** The defaults of {@link CheckOptions}. */
export const DEFAULT_CHECK_OPTIONS = {
  numRuns: 100,
  seed: 42,
  maxSteps: 20,
  maxStates: 500,
} as const;

/** What a failure is about. */
export type FailureKind = 'error' | 'invariant' | 'deadlock' | 'unreachable';

/**
 * One problem found, with a counterexample: replaying `events` on a fresh
 * `createActor(machine)` reproduces it. Delayed transitions appear as their XState event
 * (`xstate.after.5000.order.pending`), which fires the transition when sent.
 */
export interface CheckFailure {
  readonly kind: FailureKind;
  /** The invariant's name (kind `'invariant'`). */
  readonly name?: string;
  /**
   * The state involved: the state value as dotted paths (`review.manager`, or
   * `on.cars.green, on.walk.stop` for parallel states); for `'unreachable'`, the state node id.
   */
  readonly state?: string;
  /** The counterexample, shortest found; empty for `'unreachable'`. */
  readonly events: readonly EventObject[];
  readonly message?: string;
}

/** The result of checking one machine. */
export interface CheckReport {
  /** The machine id. */
  readonly name: string;
  readonly ok: boolean;
  readonly failures: readonly CheckFailure[];
  /** The seed used, to reproduce the report. */
  readonly seed: number;
  readonly stats: CheckStats;
  /**
   * What the search could not decide, such as a state that no tried event leaves but whose exits
   * read a payload that was guessed. Notes do not make a report fail.
   */
  readonly notes: readonly string[];
}

/** How much was explored; useful to judge how much a passing report says. */
export interface CheckStats {
  /** Distinct snapshots the breadth-first search expanded. */
  readonly statesExplored: number;
  /**
   * True only when the whole state space was explored: the breadth-first search ran out of new
   * snapshots before any bound, every payload and actor outcome came from a domain enumerated in
   * full, and no actor ran for real. Then "unreachable" means no event sequence reaches a state.
   */
  readonly exhaustive: boolean;
  /** Why the search was not exhaustive (empty when it was), e.g. `payloads of PLAY sampled`. */
  readonly incomplete: readonly string[];
  /** Event sequences executed in total. */
  readonly runs: number;
}
