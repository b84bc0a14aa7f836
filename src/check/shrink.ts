/**
 * Greedy minimisation of a failing event sequence, after fast-check's own shrinking: drop one
 * event at a time, keeping any deletion after which the sequence still fails, until no single
 * deletion does. The result is 1-minimal (every event is needed), which for the short sequences
 * of a state machine is almost always the shortest one.
 */
import type { EventObject } from 'xstate';
import type { Goal } from './goals.js';

/** The smallest subsequence of `events` that still satisfies `fails`, found greedily. */
export function minimize(events: readonly EventObject[], fails: (events: readonly EventObject[]) => boolean): EventObject[] {
  let current = [...events];
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < current.length; i++) {
      const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
      if (fails(candidate)) {
        current = candidate;
        changed = true;
        i--;
      }
    }
  }
  return current;
}

/**
 * `events` cut right after the failure `goal` finds in it, then minimised towards the same goal.
 * Returns `events` unchanged when it does not fail.
 */
export function shortestFailing(events: readonly EventObject[], goal: Goal): EventObject[] {
  const at = goal(events);
  if (at < 0) return [...events];
  const shortest = minimize(events.slice(0, at), (seq) => goal(seq) >= 0);
  return shortest.slice(0, Math.max(0, goal(shortest)));
}
