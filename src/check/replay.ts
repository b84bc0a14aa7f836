/**
 * Runs an event sequence on a fresh actor, synchronously, observing every snapshot. This is the
 * only way the checker executes a machine, so what it finds is exactly what a replay shows.
 * Outcome events of simulated actors (`xstate.done.actor.<id>`, `xstate.error.actor.<id>`) are
 * delivered through the running stand-in (see `simulate.ts`), and skipped when it is not running.
 */
import { createActor } from 'xstate';
import type { Actor, AnyMachineSnapshot, AnyStateMachine, EventObject, InspectionEvent, StateValue } from 'xstate';
import { deliverOutcome, parseOutcome, simulatedMachine } from './simulate.js';

/**
 * A clock whose timers never fire. Exploration fires delayed transitions by sending their
 * `xstate.after.*` events, so timing is an explicit, replayable step, and no real timer is left
 * behind by the thousands of actors a check creates.
 */
const INERT_CLOCK = {
  setTimeout: (): undefined => undefined,
  clearTimeout: (): void => undefined,
};

/** XState's `log()` actions print through this during checks: thousands of runs would flood. */
const SILENT_LOGGER = (): void => undefined;

/**
 * Called with each snapshot: the initial one (`step` 0) and the one after each event (`step`
 * = number of events sent). Return `false` to stop early.
 */
export type SnapshotVisitor = (snapshot: AnyMachineSnapshot, step: number) => boolean | void;

/**
 * Called with the state value after each microstep while event number `step` is processed. It
 * sees states that no snapshot shows, such as a final child whose parent's `onDone` leaves at once.
 * `sources`: ids of the state nodes the microstep's transitions left (a transient state is reached too).
 */
export type MicrostepVisitor = (value: StateValue, step: number, sources: readonly string[]) => void;

/** Property names of an event that say nothing about its payload when read. */
const NOT_PAYLOAD = new Set<PropertyKey>(['type', 'toJSON', 'then', 'constructor', '__proto__']);

/**
 * One live actor fed event by event. `send` returns the fields of the event's payload that the
 * machine read while handling it (guards and actions reading `event.direction`, say), which tells
 * the checker whether a payload it made up could have mattered.
 */
export class MachineRun {
  /** Events sent so far. */
  step = 0;
  private readonly actor: Actor<AnyStateMachine>;

  constructor(machine: AnyStateMachine, input: unknown, onMicrostep?: MicrostepVisitor) {
    const inspect = onMicrostep
      ? (e: InspectionEvent) => {
          // Invoked and spawned children report their microsteps here too; only the root's count.
          // (Compared by parent, not identity: the root's first microsteps come from inside
          // createActor, before `actor` below is assigned.)
          if (e.type !== '@xstate.microstep' || (e.actorRef as { _parent?: unknown })._parent !== undefined) return;
          const sources = (e._transitions as readonly { source?: { id?: unknown } }[]).map((t) => t.source?.id).filter((id): id is string => typeof id === 'string');
          onMicrostep((e.snapshot as AnyMachineSnapshot).value, this.step, sources);
        }
      : undefined;
    this.actor = createActor(machine, { clock: INERT_CLOCK, logger: SILENT_LOGGER, ...(input === undefined ? {} : { input }), ...(inspect ? { inspect } : {}) });
    // Without an error observer XState rethrows actor errors from a timer, crashing the process.
    this.actor.subscribe({ error: () => undefined });
    this.actor.start();
  }

  get snapshot(): AnyMachineSnapshot {
    return this.actor.getSnapshot() as AnyMachineSnapshot;
  }

  /** Sends one event (an outcome goes to its actor) and returns the payload fields read. */
  send(event: EventObject): ReadonlySet<string> {
    this.step++;
    const read = new Set<string>();
    if (parseOutcome(event.type)) {
      deliverOutcome(this.snapshot, event);
      return read;
    }
    let tracking = true;
    const watched = new Proxy(event, {
      get(target, key, receiver) {
        if (tracking && typeof key === 'string' && !NOT_PAYLOAD.has(key)) read.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    try {
      this.actor.send(watched);
    } finally {
      // A context that keeps the event is read later (serialised, compared): not by the handler.
      tracking = false;
    }
    return read;
  }

  stop(): void {
    this.actor.stop();
  }
}

/**
 * Runs `events` on a fresh actor of `machine` (already simulated) and returns the last snapshot.
 * Sending stops once the actor is no longer active (done or error), since later events would be
 * dropped anyway.
 */
export function runEvents(
  machine: AnyStateMachine,
  events: readonly EventObject[],
  input: unknown,
  visit: SnapshotVisitor = () => true,
  onMicrostep?: MicrostepVisitor,
): AnyMachineSnapshot {
  const run = new MachineRun(machine, input, onMicrostep);
  try {
    let snapshot = run.snapshot;
    if (visit(snapshot, 0) === false) return snapshot;
    while (run.step < events.length && snapshot.status === 'active') {
      run.send(events[run.step] as EventObject);
      snapshot = run.snapshot;
      if (visit(snapshot, run.step) === false) break;
    }
    return snapshot;
  } finally {
    run.stop();
  }
}

/**
 * Replays a counterexample and returns the final snapshot, as the checker ran it: delayed
 * transitions fire only when their `xstate.after.*` event is in `events`, and invoked or spawned
 * actors are simulated, ending when their `xstate.done.actor.<id>` / `xstate.error.actor.<id>`
 * event comes (pass the same `actors` option as to the check for actors run for real).
 *
 * @example
 * import { checkMachine, replayEvents } from 'arbor';
 * const report = await checkMachine(machine);
 * const failure = report.failures[0];
 * if (failure) console.log(replayEvents(machine, failure.events).status); // 'error' for an error failure
 */
export function replayEvents(
  machine: AnyStateMachine,
  events: readonly EventObject[],
  options: { input?: unknown; actors?: Readonly<Record<string, { readonly run?: boolean }>> } = {},
): AnyMachineSnapshot {
  const actors = options.actors ?? {};
  return runEvents(simulatedMachine(machine, (name) => actors[name]?.run === true), events, options.input);
}

/** The message of a snapshot's error, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}
