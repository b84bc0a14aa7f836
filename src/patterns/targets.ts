/**
 * Refs and send targets that pattern machines can persist. A durable actor's context must be plain
 * data, and a live ref is not: under Arbor, a target with an actor path (an `ActorRef`, a
 * {@link publisher}) is kept in context as its path and resolved again each time the machine
 * sends or asks, so a resumed incarnation (after a crash, on another node) reaches the same actor.
 * Outside Arbor (a plain `createActor`) there is nothing to resolve a path with, and the live
 * target is kept as it is.
 */
import { arborSystemOf } from '../actors/xstate-system.js';
import { ArborError } from '../runtime/errors.js';
import { SCHEME } from '../runtime/paths.js';
import type { ActorRef } from '../runtime/ref.js';
import type { PatternEvent } from './event.js';

/** Something events can be sent to: an actor ref, a {@link publisher}, any XState `sendTo` target. */
export interface EventTarget {
  send(event: PatternEvent): void;
}

/** The last segment of a {@link publisher}'s path: sends to it are publishes. */
export const TOPIC_ID = '$topic';

/** A target as a machine keeps it in context: its path under Arbor, else the target itself. */
export type HeldTarget<T> = T | string;

/** `target` as context keeps it (see the file header). */
export function holdTarget<T extends object>(target: T, xstateSystem: unknown): HeldTarget<T>;
export function holdTarget<T extends object>(target: T | undefined, xstateSystem: unknown): HeldTarget<T> | undefined;
export function holdTarget<T extends object>(target: T | undefined, xstateSystem: unknown): HeldTarget<T> | undefined {
  if (target === undefined || arborSystemOf(xstateSystem) === undefined) return target;
  const path = (target as { path?: unknown }).path;
  return typeof path === 'string' && path.startsWith(SCHEME) ? path : target;
}

/** The path a held target names (for logs and outputs), or `undefined` for a target without one. */
export function heldPath(held: HeldTarget<object>): string | undefined {
  if (typeof held === 'string') return held;
  const path = (held as { path?: unknown }).path;
  return typeof path === 'string' ? path : undefined;
}

/**
 * The target to send to now. A path that names no actor any more gives a target that
 * dead-letters what it is sent (`NOT_FOUND`), as a send to a stopped actor does.
 */
export function sendTarget(held: HeldTarget<EventTarget> | undefined, xstateSystem: unknown): EventTarget | undefined {
  if (typeof held !== 'string') return held;
  const system = arborSystemOf(xstateSystem);
  if (!system) return undefined;
  if (held.endsWith(`/${TOPIC_ID}`)) return { send: (event) => system.publish(event) };
  return system.lookup(held) ?? { send: (event) => system.deadLetter(held, event, notFound(held)) };
}

/** The ref to ask now; rejects with `NOT_FOUND` when the path names no actor. */
export function askTarget(held: HeldTarget<ActorRef>, xstateSystem: unknown): ActorRef {
  return askTargetOn(held, arborSystemOf(xstateSystem));
}

/** {@link askTarget} on an Arbor system (`undefined` outside Arbor). */
export function askTargetOn(held: HeldTarget<ActorRef>, system: { lookup(path: string): ActorRef | undefined } | undefined): ActorRef {
  if (typeof held !== 'string') return held;
  const ref = system?.lookup(held);
  if (!ref) throw notFound(held);
  return ref;
}

function notFound(path: string): ArborError {
  return new ArborError('NOT_FOUND', `no actor at ${path}`, { path });
}
