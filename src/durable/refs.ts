/**
 * Arbor refs in a durable actor's state. A machine that keeps a ref in context (a `replyTo` it
 * answers later, a ref handed in its input) commits it as `{ $ref: path }` (the form refs cross
 * the wire in), and a new incarnation, on this node or another, gets it back as a ref to the same
 * path, made by its own system: an actor's path does not depend on the node that runs it.
 */
import type { CellContext } from '../runtime/cell.js';
import { ArborError } from '../runtime/errors.js';
import type { ArborEvent } from '../runtime/event.js';
import type { ActorRef } from '../runtime/ref.js';
import { encodeRefs, reviveRefs } from '../remote/wire-refs.js';

/** `snapshot` (a live XState snapshot) with the refs in its context in their stored form. */
export function refsAsPaths<T>(snapshot: T): T {
  const context = (snapshot as { context?: unknown }).context;
  const encoded = encodeRefs(context);
  return encoded === context ? snapshot : { ...snapshot, context: encoded };
}

/**
 * A stored snapshot with its `{ $ref: path }`s made refs again by `system`. A path no node
 * answers for now gives a ref that dead-letters what it is sent (`NOT_FOUND`), as a stopped
 * actor's ref does.
 */
export function refsFromPaths<T>(stored: T, system: CellContext): T {
  return reviveRefs(stored, (path, relay) => (relay && system._relayRef?.(path, relay)) ?? system.lookup(path) ?? goneRef(path, system));
}

function goneRef(path: string, system: CellContext): ActorRef {
  const send = (event: ArborEvent): void => system.deadLetter(path, event, new ArborError('NOT_FOUND', `no actor at ${path} (a ref restored from durable state)`, { path }));
  return { path, send, _send: send, toJSON: () => ({ path }) } as unknown as ActorRef;
}
