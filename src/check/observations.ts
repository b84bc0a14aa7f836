/**
 * Everything learnt from executing event sequences, whoever chose them (the breadth-first search
 * or a random walk): which state nodes and state values were reached and by which shortest
 * sequence, which values some event left, and which errors and invariant violations occurred.
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject, StateValue } from 'xstate';
import { errorMessage, MachineRun } from './replay.js';
import type { SnapshotVisitor } from './replay.js';
import { hasRealChild } from './simulate.js';
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
  /** Event type → payload fields the machine read when handling it in this state value. */
  readonly reads: Map<string, Set<string>>;
  /** A snapshot with this value had a child running its real logic (not simulated). */
  realChild: boolean;
}

/** A failure observed, with the shortest sequence known to cause it. */
export interface Observed {
  events: readonly EventObject[];
  state: string;
  message: string;
  /** For errors: payload fields the machine read from the event that failed. */
  read?: readonly string[];
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
    readonly machine: AnyStateMachine,
    private readonly invariants: Readonly<Record<string, Invariant>>,
    private readonly input: unknown,
  ) {}

  /** The formatted state value of a snapshot: the key of {@link values}. */
  keyOf(value: StateValue): string {
    return formatStateValue(value, this.machine.id);
  }

  /**
   * Runs `events` on a fresh actor, records what happened, passes each snapshot on to `visit`
   * (which may stop the run by returning `false`), and returns the last snapshot.
   */
  run(events: readonly EventObject[], visit: SnapshotVisitor = () => true): AnyMachineSnapshot {
    const recording = this.record();
    try {
      if (visit(recording.snapshot, 0) === false) return recording.snapshot;
      for (const event of events) {
        if (recording.snapshot.status !== 'active') break;
        recording.send(event);
        if (visit(recording.snapshot, recording.events.length) === false) break;
      }
      return recording.snapshot;
    } finally {
      recording.stop();
    }
  }

  /** A fresh actor whose every step is recorded; the caller sends events one at a time and stops it. */
  record(): Recording {
    this.runs++;
    const events: EventObject[] = [];
    const run = new MachineRun(this.machine, this.input, (value, step, sources) => {
      this.recordReached(value, events, step);
      for (const id of sources) this.recordReachedId(id, events, step);
    });
    let previousKey = this.recordStep(run.snapshot, events, 0, undefined);
    return {
      events,
      get snapshot() {
        return run.snapshot;
      },
      send: (event) => {
        events.push(event);
        const read = run.send(event);
        if (previousKey !== undefined && read.size > 0) this.recordReads(previousKey, event.type, read);
        previousKey = this.recordStep(run.snapshot, events, events.length, previousKey, read);
        return run.snapshot;
      },
      stop: () => run.stop(),
    };
  }

  /** Records one snapshot; returns its formatted state value (`undefined` after an error). */
  private recordStep(snapshot: AnyMachineSnapshot, events: readonly EventObject[], step: number, previousKey: string | undefined, read: ReadonlySet<string> = new Set()): string | undefined {
    if (snapshot.status !== 'error') return this.recordSnapshot(snapshot, events, step, previousKey);
    const message = errorMessage(snapshot.error);
    keepShorter(this.errors, message, events, step, () => ({ state: previousKey ?? '(initial)', message, read: [...read] }));
    return undefined;
  }

  private recordReads(key: string, type: string, read: ReadonlySet<string>): void {
    const reads = this.values.get(key)?.reads;
    if (!reads) return;
    const known = reads.get(type) ?? new Set<string>();
    for (const field of read) known.add(field);
    reads.set(type, known);
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
    const key = this.keyOf(snapshot.value);
    const done = snapshot.status === 'done';
    const info = this.values.get(key);
    const realChild = hasRealChild(snapshot);
    if (!info) this.values.set(key, { value: snapshot.value, events: events.slice(0, step), left: false, expanded: false, done, reads: new Map(), realChild });
    else {
      if (step < info.events.length) info.events = events.slice(0, step);
      info.done ||= done;
      info.realChild ||= realChild;
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

/** A live, recorded run (see {@link Observations.record}). */
export interface Recording {
  /** Events sent so far. */
  readonly events: readonly EventObject[];
  readonly snapshot: AnyMachineSnapshot;
  /** Sends one event, records the step, returns the new snapshot. */
  send(event: EventObject): AnyMachineSnapshot;
  stop(): void;
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
