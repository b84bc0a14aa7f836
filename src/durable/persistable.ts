/**
 * What cannot be persisted, found early and named: an inline child actor (XState's
 * `getPersistedSnapshot` refuses it) and values JSON does not carry back unchanged (functions,
 * class instances, symbols, BigInts, non-finite numbers) in context. Arbor refs are not among them:
 * they are committed as their paths (`refs.ts`).
 */
import type { AnyActorLogic } from 'xstate';
import { ArborError } from '../runtime/errors.js';
import './error-codes.js';

interface StateNodeLike {
  id: string;
  config: { invoke?: unknown };
  states?: Record<string, StateNodeLike>;
}

/** The first invoke of `logic` whose `src` is inline logic rather than a name from `setup({ actors })`, as `<state id> invoke[i]`. */
export function inlineInvoke(logic: AnyActorLogic): string | undefined {
  const root = (logic as { root?: StateNodeLike }).root;
  const walk = (node: StateNodeLike): string | undefined => {
    const invokes = node.config.invoke === undefined ? [] : Array.isArray(node.config.invoke) ? node.config.invoke : [node.config.invoke];
    for (const [i, invoke] of invokes.entries()) {
      if (typeof (invoke as { src?: unknown }).src !== 'string') return `${node.id} invoke[${i}]`;
    }
    for (const child of Object.values(node.states ?? {})) {
      const found = walk(child);
      if (found) return found;
    }
    return undefined;
  };
  return root ? walk(root) : undefined;
}

/** The dotted path of the first value under `value` that JSON would not carry back unchanged, or `undefined`. */
export function unpersistableField(value: unknown, at: string, seen = new Set<object>()): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'string':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : at;
    case 'object': {
      if (value === null) return undefined;
      if (seen.has(value)) return at;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return at;
      seen.add(value);
      for (const [key, v] of Object.entries(value)) {
        const found = unpersistableField(v, Array.isArray(value) ? `${at}[${key}]` : `${at}.${key}`, seen);
        if (found) return found;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return at;
  }
}

/** `NOT_PERSISTABLE` for the actor at `path`, naming `culprit`. */
export function notPersistable(path: string, culprit: string, why: string, cause?: unknown): ArborError {
  return new ArborError('NOT_PERSISTABLE', `durable actor ${path} cannot be persisted: ${culprit} ${why}`, { path, culprit }, cause === undefined ? undefined : { cause });
}
