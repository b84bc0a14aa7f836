/**
 * Which events a machine does not handle, decided before the event is sent (issue 12: an ask no
 * state handles fails at once with `UNHANDLED_EVENT` instead of timing out). XState hands back
 * the very same snapshot whether or not a transition ran, so "did anything change" cannot tell.
 */
import { ArborError, describe } from '../runtime/errors.js';
import { RESERVED_EVENT_PREFIX } from '../runtime/event.js';

/**
 * True when some active state node of a machine snapshot has a transition for `type` (exact,
 * `'*'`, or a partial `'a.*'` descriptor, as XState matches them). Guards are not evaluated: an
 * event whose every guard fails counts as handled, so nothing is dead-lettered that XState could
 * have taken. An empty transition (`on: { x: {} }`) handles the event too: it is XState's way to
 * say "take it and do nothing".
 */
export function namesEvent(snapshot: unknown, type: string): boolean {
  if ((snapshot as { status?: unknown }).status !== 'active') return true; // XState's own business
  const nodes = (snapshot as { _nodes?: Array<{ transitions?: Map<string, unknown> }> })._nodes;
  if (!Array.isArray(nodes)) return true;
  // Most events are named exactly by some active node: one lookup per node before any scan.
  for (const node of nodes) if (node.transitions?.has(type) || node.transitions?.has('*')) return true;
  for (const node of nodes) {
    if (!node.transitions) continue;
    for (const d of node.transitions.keys()) {
      if (d === type || d === '*') return true;
      if (d.endsWith('.*') && (type === d.slice(0, -2) || type.startsWith(d.slice(0, -1)))) return true;
    }
  }
  return false;
}


/** Why a worker refuses a message outright (not an event, or an `xstate.*` type), or `undefined` when it takes it. */
export function invalidMessage(path: string, event: unknown): ArborError | undefined {
  const type = (event as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && !type.startsWith(RESERVED_EVENT_PREFIX)) return undefined;
  const why = typeof type === 'string' ? `the type "${type}" is reserved by XState` : 'it is not an event (a plain object with a string "type")';
  return new ArborError('INVALID_EVENT', `${path} does not take this message: ${why}`, { path, value: describe(event) });
}

/** The reason an event no state of the worker at `path` handles (in `state`) is dead-lettered. */
export function unhandledEvent(path: string, type: string, state: unknown): ArborError {
  return new ArborError('UNHANDLED_EVENT', `no state of ${path} handles "${type}" (state ${JSON.stringify(state)})`, { path, eventType: type, state });
}
