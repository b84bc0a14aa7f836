/**
 * Random walks with fast-check: arrays of events drawn from the machine's own alphabet, one
 * property per goal (an unseen error, or one invariant), so that fast-check's shrinking works
 * towards that goal and cannot drift to a different failure. They reach what the bounded search
 * cannot: deep states behind long event sequences and payloads it did not sample.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { EventObject } from 'xstate';
import type { Goal } from './goals.js';
import { shortestFailing } from './shrink.js';

/** Settings shared by every walk. */
export interface WalkSettings {
  readonly numRuns: number;
  readonly seed: number;
  readonly maxSteps: number;
}

/**
 * Looks for a sequence failing `goal`; returns it cut at the failure and minimised, or
 * `undefined` when `numRuns` walks found none. Every run is recorded by the goal's
 * `Observations`, so walks also add to what is known to be reachable.
 */
export function walk(events: Arbitrary<EventObject>, goal: Goal, settings: WalkSettings): EventObject[] | undefined {
  const sequences = fc.array(events, { maxLength: settings.maxSteps, size: 'max' });
  const result = fc.check(
    fc.property(sequences, (seq) => goal(seq) < 0),
    { numRuns: settings.numRuns, seed: settings.seed },
  );
  const found = result.counterexample?.[0];
  return found ? shortestFailing(found, goal) : undefined;
}
