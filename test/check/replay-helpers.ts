/** Replays a counterexample the way the contract promises it works: on a fresh `createActor(machine)`. */
import { createActor } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';

/** Sends `events` to a fresh actor with XState's default clock and returns every snapshot seen. */
export function replayOnFreshActor(machine: AnyStateMachine, events: readonly EventObject[]): AnyMachineSnapshot[] {
  const actor = createActor(machine);
  // An erroring actor without an error observer rethrows from a timer and fails the test run.
  actor.subscribe({ error: () => undefined });
  actor.start();
  const snapshots = [actor.getSnapshot()];
  for (const event of events) {
    actor.send(event);
    snapshots.push(actor.getSnapshot());
  }
  actor.stop();
  return snapshots;
}
