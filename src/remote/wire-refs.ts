/**
 * Refs that travel: a ref inside an event (a `replyTo`, a ref handed to a worker) crosses the wire
 * as `{ $ref: path }` and comes back on the other side as a ref made by the receiver (a
 * `RemoteActorRef` that routes by path, or the local actor's own ref).
 */
import { SCHEME } from '../runtime/paths.js';
import type { ActorRef } from '../runtime/ref.js';

/** The wire form of a ref. */
export interface WireRef {
  $ref: string;
}

export function isArborRef(value: object): value is { path: string; send: unknown } {
  const path = (value as { path?: unknown }).path;
  return typeof path === 'string' && path.startsWith(SCHEME) && typeof (value as { send?: unknown }).send === 'function';
}

function isWireRef(value: object): value is WireRef {
  const ref = (value as { $ref?: unknown }).$ref;
  return typeof ref === 'string' && ref.startsWith(SCHEME) && Object.keys(value).length === 1;
}

/** How deep refs are looked for inside an event (events are shallow; this bounds the walk). */
const MAX_DEPTH = 6;

/**
 * Replaces Arbor refs inside `value` by `{ $ref: path }`. Copies only the objects on the way to a
 * ref; an event without refs is returned as it is.
 */
export function encodeRefs<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (isArborRef(value)) return { $ref: value.path } as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i] as unknown;
      const e = encodeRefs(v, depth + 1);
      if (e !== v) (out ??= value.slice())[i] = e;
    }
    return (out ?? value) as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    const e = encodeRefs(v, depth + 1);
    if (e !== v) (out ??= { ...(value as Record<string, unknown>) })[key] = e;
  }
  return (out ?? value) as T;
}

/**
 * Replaces `{ $ref: path }` inside `value` by refs made with `toRef`. Never mutates `value`: it
 * copies only the objects on the way to a ref (as {@link encodeRefs} does), so a received body
 * stays as it came off the wire, and a retry or a dead letter of it still holds `{ $ref }`s.
 */
export function reviveRefs<T>(value: T, toRef: (path: string) => ActorRef, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || value instanceof Uint8Array) return value;
  if (isWireRef(value)) return toRef(value.$ref) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i] as unknown;
      const r = reviveRefs(v, toRef, depth + 1);
      if (r !== v) (out ??= value.slice())[i] = r;
    }
    return (out ?? value) as T;
  }
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    const r = reviveRefs(v, toRef, depth + 1);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[key] = r;
  }
  return (out ?? value) as T;
}
