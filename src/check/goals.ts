/**
 * Goals: predicates over event sequences that say after how many events a given failure shows.
 * The same goal drives a random walk, the shrinking of its counterexample, and the final check
 * that a counterexample reproduces its failure.
 */
import type { EventObject } from 'xstate';
import type { Observations } from './observations.js';
import { evaluate } from './observations.js';
import { errorMessage } from './replay.js';
import type { Invariant } from './types.js';

/** Given a sequence, the number of events after which the failure shows, or -1 if it does not. */
export type Goal = (events: readonly EventObject[]) => number;

/** The actor errors with a message accepted by `matches`. */
export function errorGoal(obs: Observations, matches: (message: string) => boolean): Goal {
  return (events) => {
    let failedAt = -1;
    obs.run(events, (snapshot, step) => {
      if (snapshot.status === 'error' && matches(errorMessage(snapshot.error))) failedAt = step;
    });
    return failedAt;
  };
}

/** `invariant` is broken in some (non-error) snapshot of the run. */
export function invariantGoal(obs: Observations, invariant: Invariant): Goal {
  return (events) => {
    let failedAt = -1;
    obs.run(events, (snapshot, step) => {
      if (snapshot.status === 'error' || evaluate(invariant, snapshot) === true) return true;
      failedAt = step;
      return false;
    });
    return failedAt;
  };
}

/** The run reaches an active snapshot whose formatted state value is `state`. */
export function reachesGoal(obs: Observations, state: string): Goal {
  return (events) => {
    let reachedAt = -1;
    obs.run(events, (snapshot, step) => {
      if (snapshot.status !== 'active' || obs.keyOf(snapshot.value) !== state) return true;
      reachedAt = step;
      return false;
    });
    return reachedAt;
  };
}
