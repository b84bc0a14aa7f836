/**
 * States no transition can ever enter, found from the config alone: an over-approximation of
 * what is reachable (every transition counted, whether or not its source is reachable), so a
 * state outside it is unreachable for certain, whatever the bounds of the search.
 */
import { allStates } from '../diagrams/machine-walk.js';
import type { StateModel } from '../diagrams/machine-walk.js';

/** Ids of the state nodes some sequence of transitions might enter. */
export function possiblyEntered(root: StateModel): Set<string> {
  const states = allStates(root);
  const byId = new Map(states.map((s) => [s.id, s] as const));
  const parentOf = new Map<string, StateModel>();
  for (const s of states) for (const c of s.children) parentOf.set(c.id, s);
  const entered = new Set<string>();
  const queue: StateModel[] = [];
  const enter = (state: StateModel | undefined): void => {
    if (!state || entered.has(state.id)) return;
    entered.add(state.id);
    queue.push(state);
  };
  enter(root);
  // Any transition may fire: its targets, and the states around them, count as entered.
  for (const s of states) for (const t of s.transitions) for (const id of t.targets) enter(byId.get(id));
  while (queue.length > 0) {
    const state = queue.pop() as StateModel;
    enter(parentOf.get(state.id));
    if (state.type === 'parallel') state.children.filter((c) => c.type !== 'history').forEach(enter);
    if (state.type === 'compound') state.initial.forEach((id) => enter(byId.get(id)));
    // A history state restores some earlier child of its parent, or its default: any of them.
    if (state.type === 'history') parentOf.get(state.id)?.children.forEach(enter);
  }
  return entered;
}
