/**
 * Bounded breadth-first search over snapshots, keyed by state value *and* context, so that a
 * guard depending on a counter can still be passed, yet bounded by depth and by a number of
 * snapshots, so that a context that grows without bound cannot make it run forever. Each state
 * value gets at most a tenth of the snapshot budget, so that one value with ever-new contexts
 * (a draft collecting items) cannot starve the others. Being breadth-first, the first sequence
 * found to anything is a shortest one.
 */
import type { AnyActorRef, AnyMachineSnapshot, EventObject } from 'xstate';
import type { Alphabet } from './alphabet.js';
import type { Observations } from './observations.js';

/** Bounds of the search. */
export interface ExploreBounds {
  readonly maxSteps: number;
  readonly maxStates: number;
}

/** How the search went. */
export interface ExploreResult {
  readonly statesExplored: number;
  /** True when the frontier emptied before any bound cut it. */
  readonly exhaustive: boolean;
}

/** Searches from the initial snapshot, recording everything in `obs`. */
export function explore(obs: Observations, alphabet: Alphabet, bounds: ExploreBounds): ExploreResult {
  const initial = obs.run([]);
  if (initial.status !== 'active') return { statesExplored: 0, exhaustive: true };
  const seen = new Set<string>([snapshotKey(obs, initial)]);
  const perValue = new Map<string, number>();
  const valueBudget = Math.max(1, Math.ceil(bounds.maxStates / 10));
  const queue: (readonly EventObject[])[] = [[]];
  let explored = 0;
  let cut = false;
  for (let head = 0; head < queue.length; head++) {
    if (explored >= bounds.maxStates) {
      cut = true;
      break;
    }
    const path = queue[head] as readonly EventObject[];
    explored++;
    for (const next of expand(obs, path, alphabet)) {
      const key = snapshotKey(obs, next.snapshot);
      if (seen.has(key)) continue;
      const value = obs.keyOf(next.snapshot.value);
      const used = perValue.get(value) ?? 0;
      if (next.events.length >= bounds.maxSteps || used >= valueBudget) {
        cut = true;
        continue;
      }
      seen.add(key);
      perValue.set(value, used + 1);
      queue.push(next.events);
    }
  }
  return { statesExplored: explored, exhaustive: !cut };
}

/**
 * Tries every event of the alphabet, and every outcome of the simulated actors running there,
 * from the snapshot `path` reaches, marking that snapshot's value as expanded, and returns the
 * successors that are still active.
 */
export function expand(obs: Observations, path: readonly EventObject[], alphabet: Alphabet): { events: EventObject[]; snapshot: AnyMachineSnapshot }[] {
  const from = obs.run(path);
  const info = obs.values.get(obs.keyOf(from.value));
  if (info && from.status === 'active') info.expanded = true;
  const successors: { events: EventObject[]; snapshot: AnyMachineSnapshot }[] = [];
  if (from.status !== 'active') return successors;
  for (const event of [...alphabet.fixed, ...alphabet.outcomes(from)]) {
    const events = [...path, event];
    const snapshot = obs.run(events);
    if (snapshot.status === 'active') successors.push({ events, snapshot });
  }
  return successors;
}

/**
 * State value, context and running children (a done actor leaves a snapshot otherwise equal);
 * the value and children alone when the context cannot be serialised.
 */
export function snapshotKey(obs: Observations, snapshot: AnyMachineSnapshot): string {
  const children = Object.entries(snapshot.children as Record<string, AnyActorRef | undefined>)
    .filter(([, child]) => child?.getSnapshot().status === 'active')
    .map(([id]) => id)
    .join(',');
  // What a history state would restore is part of the state: two snapshots differing only there
  // lead to different places.
  const history = Object.entries((snapshot.historyValue ?? {}) as Record<string, readonly { id: string }[]>)
    .map(([id, nodes]) => `${id}=${nodes.map((n) => n.id).join('+')}`)
    .join(';');
  const value = `${obs.keyOf(snapshot.value)}|${children}|${history}`;
  try {
    return `${value}|${JSON.stringify(snapshot.context) ?? ''}`;
  } catch {
    // A context holding actor refs or cycles: fall back to the value; the search stays bounded.
    return value;
  }
}
