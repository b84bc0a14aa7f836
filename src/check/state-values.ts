/** State values as the checker reports and compares them. */
import type { AnyStateMachine, AnyStateNode, StateValue } from 'xstate';

/**
 * A state value as dotted leaf paths: `idle`, `review.manager`, `on.cars.green, on.walk.stop`.
 * Unambiguous and stable, so it doubles as the key of a state value. A machine without states
 * has the empty value `{}`, shown as `rootName` (the machine id) so that no report says "in
 * state: " with nothing after it.
 */
export function formatStateValue(value: StateValue, rootName = '(root)'): string {
  const text = leafPaths(value, '').join(', ');
  return text === '' ? rootName : text;
}

function leafPaths(value: StateValue, prefix: string): string[] {
  if (typeof value === 'string') return [prefix + value];
  const entries = Object.entries(value);
  if (entries.length === 0) return [prefix.replace(/\.$/, '')];
  return entries.flatMap(([key, sub]) => (sub === undefined ? [prefix + key] : leafPaths(sub, `${prefix}${key}.`)));
}

/** Ids of every state node active in `value` (not the root). */
export function activeStateIds(machine: AnyStateMachine, value: StateValue): string[] {
  return activeUnder(machine.root, value);
}

function activeUnder(node: AnyStateNode, value: StateValue | undefined): string[] {
  if (value === undefined) return [];
  const states = node.states as Record<string, AnyStateNode>;
  if (typeof value === 'string') {
    const child = states[value];
    return child ? [child.id] : [];
  }
  return Object.entries(value).flatMap(([key, sub]) => {
    const child = states[key];
    return child ? [child.id, ...activeUnder(child, sub)] : [];
  });
}

/** The active atomic (leaf) state nodes of `value`. */
export function activeLeaves(machine: AnyStateMachine, value: StateValue): AnyStateNode[] {
  return activeStateIds(machine, value)
    .map((id) => machine.getStateNodeById(id))
    .filter((n) => Object.keys(n.states).length === 0);
}
