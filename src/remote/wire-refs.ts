/**
 * Refs that travel: a ref inside an event (a `replyTo`, a ref handed to a worker) crosses the wire
 * as `{ $ref: path }` and comes back on the other side as a ref made by the receiver (a
 * `RemoteActorRef` that routes by path, or the local actor's own ref). A relay (`runtime/relay.ts`)
 * crosses as `{ $ref: path, $relay: tag, $data }` and is rebuilt by the receiver's reviver.
 */
import { SCHEME } from '../runtime/paths.js';
import { isArborRef, type ActorRef } from '../runtime/ref.js';
import { relayOf, type RelayForm } from '../runtime/relay.js';

/** The wire form of a ref; a relay (see `runtime/relay.ts`) adds its tag and data. */
export interface WireRef {
  $ref: string;
  $relay?: string;
  $data?: unknown;
}

/** Makes the ref for a wire ref's path (and, for a relay, its form with the data revived). */
export type RefMaker = (path: string, relay?: RelayForm) => ActorRef;


function isWireRef(value: object): value is WireRef {
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref !== 'string' || !ref.startsWith(SCHEME)) return false;
  const keys = Object.keys(value).length;
  return keys === 1 || (keys === 3 && typeof (value as WireRef).$relay === 'string' && '$data' in value);
}

/** How deep refs are looked for inside an event (events are shallow; this bounds the walk). */
const MAX_DEPTH = 6;

/**
 * Replaces Arbor refs inside `value` by `{ $ref: path }`. Copies only the objects on the way to a
 * ref; an event without refs is returned as it is.
 */
export function encodeRefs<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (isArborRef(value)) {
    const relay = relayOf(value);
    return (relay === undefined ? { $ref: value.path } : { $ref: value.path, $relay: relay.tag, $data: encodeRefs(relay.data, depth + 1) }) as T;
  }
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
export function reviveRefs<T>(value: T, toRef: RefMaker, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || value instanceof Uint8Array) return value;
  if (isWireRef(value)) {
    if (value.$relay === undefined) return toRef(value.$ref) as T;
    return toRef(value.$ref, { tag: value.$relay, data: reviveRefs(value.$data, toRef, depth + 1) }) as T;
  }
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
