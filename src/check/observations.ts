/**
 * Everything learnt from executing event sequences, whoever chose them (the breadth-first search
 * or a random walk): which state nodes and state values were reached and by which shortest
 * sequence, which values some event left, and which errors and invariant violations occurred.
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject, StateValue } from 'xstate';
import { errorMessage, runEvents } from './replay.js';
import type { SnapshotVisitor } from './replay.js';
import { activeStateIds, formatStateValue } from './state-values.js';
import type { Invariant } from './types.js';

/** What is known about one state value. */
export interface ValueInfo {
  readonly value: StateValue;
  /** Shortest known sequence reaching it. */
  events: readonly EventObject[];
  /** Some event led from a snapshot with this value to another value (or to `done`). */
  left: boolean;
  /** Every event of the alphabet was tried from at least one snapshot with this value. */
  expanded: boolean;
  /** A snapshot with this value had status `'done'`. */
  done: boolean;
}

/** A failure observed, with the shortest sequence known to cause it. */
export interface Observed {
  events: readonly EventObject[];
  state: string;
  message: string;
}

/** The mutable record of a check in progress. */
export class Observations {
  /** State node id → shortest known sequence reaching it. */
  readonly reached = new Map<string, readonly EventObject[]>();
  /** Formatted state value → facts. */
  readonly values = new Map<string, ValueInfo>();
  /** Error message → shortest sequence producing it. */
  readonly errors = new Map<string, Observed>();
  /** Invariant name → shortest violation. */
  readonly violations = new Map<string, Observed>();
  runs = 0;

  constructor(
    private readonly machine: AnyStateMachine,
    private readonly invariants: Readonly<Record<string, Invariant>>,
    private readonly input: unknown,
  ) {}

  /**
   * Runs `events` on a fresh actor, records what happened, passes each snapshot on to `visit`
   * (which may stop the run by returning `false`), and returns the last snapshot.
   */
  run(events: readonly EventObject[], visit: SnapshotVisitor = () => true): AnyMachineSnapshot {
    this.runs++;
    // Thousands of runs each see many snapshots: prefixes are sliced only when they are kept.
    let previousKey: string | undefined;
    const onMicrostep = (value: StateValue, step: number, sources: readonly string[]): void => {
      this.recordReached(value, events, step);
      for (const id of sources) this.recordReachedId(id, events, step);
    };
    return runEvents(this.machine, events, this.input, (snapshot, step) => {
      if (snapshot.status === 'error') {
        const message = errorMessage(snapshot.error);
        keepShorter(this.errors, message, events, step, () => ({ state: previousKey ?? '(initial)', message }));
      } else {
        previousKey = this.recordSnapshot(snapshot, events, step, previousKey);
      }
      return visit(snapshot, step);
    }, onMicrostep);
  }

  private recordReached(value: StateValue, events: readonly EventObject[], step: number): void {
    for (const id of activeStateIds(this.machine, value)) this.recordReachedId(id, events, step);
  }

  private recordReachedId(id: string, events: readonly EventObject[], step: number): void {
    const known = this.reached.get(id);
    if (!known || step < known.length) this.reached.set(id, events.slice(0, step));
  }

  /** Records one non-error snapshot; returns its formatted state value. */
  private recordSnapshot(snapshot: AnyMachineSnapshot, events: readonly EventObject[], step: number, previousKey: string | undefined): string {
    const key = formatStateValue(snapshot.value);
    const done = snapshot.status === 'done';
    const info = this.values.get(key);
    if (!info) this.values.set(key, { value: snapshot.value, events: events.slice(0, step), left: false, expanded: false, done });
    else {
      if (step < info.events.length) info.events = events.slice(0, step);
      info.done ||= done;
    }
    const from = previousKey === undefined ? undefined : this.values.get(previousKey);
    if (from && (done || previousKey !== key)) from.left = true;
    this.recordReached(snapshot.value, events, step);
    for (const [name, holds] of Object.entries(this.invariants)) {
      const verdict = evaluate(holds, snapshot);
      if (verdict !== true) keepShorter(this.violations, name, events, step, () => ({ state: key, message: verdict }));
    }
    return key;
  }
}

/** `true` when the invariant holds, else why not. An invariant that throws does not hold. */
export function evaluate(invariant: Invariant, snapshot: AnyMachineSnapshot): true | string {
  try {
    return invariant(snapshot) ? true : 'does not hold';
  } catch (err) {
    return `threw: ${errorMessage(err)}`;
  }
}

function keepShorter(map: Map<string, Observed>, key: string, events: readonly EventObject[], step: number, rest: () => Omit<Observed, 'events'>): void {
  const known = map.get(key);
  if (!known || step < known.events.length) map.set(key, { events: events.slice(0, step), ...rest() });
}
