/**
 * Refs that travel: a ref inside an event (a `replyTo`, a ref handed to a worker) crosses the wire
 * as `{ $ref: path }` and comes back on the other side as a {@link RemoteActorRef}, which routes
 * by path. Paths name places in trees, so a remote ref works whichever node runs the actor.
 */
import { assertEvent, type ArborEvent } from './event.js';
import { SCHEME } from './paths.js';
import type { ActorRef, AskOptions } from './ref.js';
import { unsupported, type RefSubscription } from './ref-features.js';

/** What a remote ref needs from its system. */
export interface RemoteRouter {
  /** Routes a user event to `path` wherever it runs (never on the caller's stack). */
  route(path: string, event: ArborEvent): void;
  ask<T>(target: ActorRef, event: ArborEvent, options?: AskOptions): Promise<T>;
  /** Asks the owner of `path` for the actor's result. */
  remoteResult(path: string): Promise<unknown>;
}

/** A ref to an actor that this process reaches through the owner of its path. */
export class RemoteActorRef implements ActorRef {
  readonly id: string;

  constructor(
    readonly path: string,
    private readonly router: RemoteRouter,
  ) {
    this.id = path.slice(path.lastIndexOf('/') + 1);
  }

  send(event: ArborEvent): void {
    assertEvent(event);
    this.router.route(this.path, event);
  }

  _send(event: ArborEvent): void {
    this.send(event);
  }

  ask<TReply = ArborEvent>(event: ArborEvent, options?: AskOptions): Promise<TReply> {
    return this.router.ask<TReply>(this, event, options);
  }

  result(): Promise<unknown> {
    return this.router.remoteResult(this.path);
  }

  /** A remote actor's snapshot is not available here. */
  getSnapshot(): unknown {
    return undefined;
  }

  // --- XState fidelity (issue 18): snapshots and emitted events do not cross nodes ---
  /** Throws `NOT_SUPPORTED`: snapshots do not travel between nodes (use `result()` for the outcome). */
  subscribe(_observer?: unknown, _error?: unknown, _complete?: unknown): RefSubscription {
    throw unsupported('subscribe', this.path, 'snapshots do not travel between nodes; use result() for the outcome');
  }

  /** Throws `NOT_SUPPORTED`: emitted events do not travel between nodes. */
  on(_type?: string, _handler?: unknown): RefSubscription {
    throw unsupported('on', this.path, 'emitted events do not travel between nodes');
  }

  /** Throws `NOT_SUPPORTED`: persisted snapshots do not travel between nodes. */
  getPersistedSnapshot(): unknown {
    throw unsupported('getPersistedSnapshot', this.path, 'persisted snapshots do not travel between nodes');
  }
  // --- end XState fidelity ---

  toJSON(): { path: string } {
    return { path: this.path };
  }

  toString(): string {
    return this.path;
  }
}

/** The wire form of a ref. */
export interface WireRef {
  $ref: string;
}

function isArborRef(value: object): value is { path: string; send: unknown } {
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

/** Replaces `{ $ref: path }` inside `value` by refs made with `toRef`. */
export function reviveRefs<T>(value: T, toRef: (path: string) => ActorRef, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || value instanceof Uint8Array) return value;
  if (isWireRef(value)) return toRef(value.$ref) as T;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveRefs(value[i] as unknown, toRef, depth + 1);
    return value;
  }
  for (const key in value) {
    const obj = value as Record<string, unknown>;
    obj[key] = reviveRefs(obj[key], toRef, depth + 1);
  }
  return value;
}
