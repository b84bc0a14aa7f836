/**
 * Options and report types of `checkMachine`, with their defaults and the one function that
 * normalises and validates options.
 */
import type { Arbitrary } from 'fast-check';
import type { AnyStateMachine, EventFromLogic, EventObject, SnapshotFrom } from 'xstate';

/** A predicate that must hold in every reachable snapshot (status `'active'` or `'done'`). */
export type Invariant<TMachine extends AnyStateMachine = AnyStateMachine> = (snapshot: SnapshotFrom<TMachine>) => boolean;

/** Payload arbitraries per event type: each generated value is spread into `{ type, ...payload }`. */
export type EventPayloads<TMachine extends AnyStateMachine = AnyStateMachine> = {
  [K in EventFromLogic<TMachine>['type']]?: Arbitrary<Omit<Extract<EventFromLogic<TMachine>, { type: K }>, 'type'>>;
};

/** Options of {@link checkMachine}. Everything is optional. */
export interface CheckOptions<TMachine extends AnyStateMachine = AnyStateMachine> {
  /** Named invariants that must hold in every reachable snapshot. @default {} */
  readonly invariants?: Readonly<Record<string, Invariant<TMachine>>>;
  /** Payload arbitraries for events that carry data; other events are sent as `{ type }`. @default {} */
  readonly events?: EventPayloads<TMachine>;
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
  readonly events: Readonly<Record<string, Arbitrary<unknown>>>;
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
}

/** How much was explored; useful to judge how much a passing report says. */
export interface CheckStats {
  /** Distinct snapshots the breadth-first search expanded. */
  readonly statesExplored: number;
  /** True when the breadth-first search ran out of new snapshots before hitting its bounds. */
  readonly exhaustive: boolean;
  /** Event sequences executed in total. */
  readonly runs: number;
}

/** Invalid {@link CheckOptions}; `code` is `'INVALID_OPTIONS'` and the message names the field. */
export class CheckOptionsError extends TypeError {
  override name = 'CheckOptionsError';
  readonly code = 'INVALID_OPTIONS' as const;
}

/** Applies defaults and validates; throws {@link CheckOptionsError} naming the bad field. */
export function normalizeCheckOptions(options: CheckOptions<AnyStateMachine> = {}): NormalizedCheckOptions {
  const normalized = {
    invariants: options.invariants ?? {},
    events: (options.events ?? {}) as Record<string, Arbitrary<unknown>>,
    numRuns: options.numRuns ?? DEFAULT_CHECK_OPTIONS.numRuns,
    seed: options.seed ?? DEFAULT_CHECK_OPTIONS.seed,
    maxSteps: options.maxSteps ?? DEFAULT_CHECK_OPTIONS.maxSteps,
    maxStates: options.maxStates ?? DEFAULT_CHECK_OPTIONS.maxStates,
    input: options.input,
  };
  for (const field of ['numRuns', 'maxSteps', 'maxStates'] as const) {
    const value = normalized[field];
    if (!Number.isInteger(value) || value < 1) throw new CheckOptionsError(`invalid check options: ${field} must be a positive integer, got ${String(value)}`);
  }
  if (!Number.isInteger(normalized.seed)) throw new CheckOptionsError(`invalid check options: seed must be an integer, got ${String(normalized.seed)}`);
  for (const [name, fn] of Object.entries(normalized.invariants)) {
    if (typeof fn !== 'function') throw new CheckOptionsError(`invalid check options: invariants.${name} must be a function`);
  }
  return normalized;
}
