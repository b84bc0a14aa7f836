/**
 * Runs an event sequence on a fresh actor, synchronously, observing every snapshot. This is the
 * only way the checker executes a machine, so what it finds is exactly what a replay on
 * `createActor(machine)` shows.
 */
import { createActor } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject, InspectionEvent, StateValue } from 'xstate';

/**
 * A clock whose timers never fire. Exploration fires delayed transitions by sending their
 * `xstate.after.*` events, so timing is an explicit, replayable step, and no real timer is left
 * behind by the thousands of actors a check creates.
 */
const INERT_CLOCK = {
  setTimeout: (): undefined => undefined,
  clearTimeout: (): void => undefined,
};

/**
 * Called with each snapshot: the initial one (`step` 0) and the one after each event (`step`
 * = number of events sent). Return `false` to stop early.
 */
export type SnapshotVisitor = (snapshot: AnyMachineSnapshot, step: number) => boolean | void;

/**
 * Called with the state value after each microstep while event number `step` is processed. It
 * sees states that no snapshot shows, such as a final child whose parent's `onDone` leaves at once.
 */
/** `sources`: ids of the state nodes the microstep's transitions left (a transient state is reached too). */
export type MicrostepVisitor = (value: StateValue, step: number, sources: readonly string[]) => void;

/**
 * Runs `events` on a fresh actor and returns the last snapshot. Sending stops once the actor is
 * no longer active (done or error), since later events would be dropped anyway.
 */
export function runEvents(
  machine: AnyStateMachine,
  events: readonly EventObject[],
  input: unknown,
  visit: SnapshotVisitor = () => true,
  onMicrostep?: MicrostepVisitor,
): AnyMachineSnapshot {
  let step = 0;
  const inspect = onMicrostep
    ? (e: InspectionEvent) => {
        // Invoked and spawned children report their microsteps here too; only the root's count.
        // (Compared by parent, not identity: the root's first microsteps come from inside
        // createActor, before `actor` below is assigned.)
        if (e.type !== '@xstate.microstep' || (e.actorRef as { _parent?: unknown })._parent !== undefined) return;
        const sources = (e._transitions as readonly { source?: { id?: unknown } }[]).map((t) => t.source?.id).filter((id): id is string => typeof id === 'string');
        onMicrostep((e.snapshot as AnyMachineSnapshot).value, step, sources);
      }
    : undefined;
  const actor = createActor(machine, { clock: INERT_CLOCK, ...(input === undefined ? {} : { input }), ...(inspect ? { inspect } : {}) });
  // Without an error observer XState rethrows actor errors from a timer, crashing the process.
  actor.subscribe({ error: () => undefined });
  actor.start();
  try {
    let snapshot: AnyMachineSnapshot = actor.getSnapshot();
    if (visit(snapshot, 0) === false) return snapshot;
    for (; step < events.length && snapshot.status === 'active'; ) {
      step++;
      actor.send(events[step - 1] as EventObject);
      snapshot = actor.getSnapshot();
      if (visit(snapshot, step) === false) break;
    }
    return snapshot;
  } finally {
    actor.stop();
  }
}

/**
 * Replays a counterexample and returns the final snapshot; delayed transitions fire only when
 * their `xstate.after.*` event is in `events`, as in the checker.
 *
 * @example
 * import { checkMachine, replayEvents } from 'arbor';
 * const report = await checkMachine(machine);
 * const failure = report.failures[0];
 * if (failure) console.log(replayEvents(machine, failure.events).status); // 'error' for an error failure
 */
export function replayEvents(machine: AnyStateMachine, events: readonly EventObject[], options: { input?: unknown } = {}): AnyMachineSnapshot {
  return runEvents(machine, events, options.input);
}

/** The message of a snapshot's error, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}
