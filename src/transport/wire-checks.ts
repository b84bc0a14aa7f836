/**
 * What an envelope arriving from the wire must be before the runtime sees it. A peer (or anything
 * that can publish to the exchange) may send any bytes; the transport checks them on arrival and
 * dead-letters what fails, so a bad frame can never crash an actor or reach XState's internals.
 */
import type { Envelope } from '../runtime/transport.js';

/** Event types XState reserves for itself: an outside event of such a type could stop a machine. */
const RESERVED_PREFIX = 'xstate.';

/**
 * Why the body of a user envelope is not an event Arbor may deliver, or `undefined` when it is:
 * a plain object with a string `type`, not one of XState's reserved `xstate.*` types.
 * System envelopes are checked by the runtime, which owns their format.
 */
export function invalidBody(envelope: Envelope): string | undefined {
  if (envelope.kind !== 'user') return undefined;
  const body = envelope.body;
  if (typeof body !== 'object' || body === null) return `event is ${body === null ? 'null' : typeof body}, not an object`;
  if (Array.isArray(body)) return 'event is an array, not an object';
  const proto = Object.getPrototypeOf(body) as unknown;
  if (proto !== Object.prototype && proto !== null) return 'event is not a plain object';
  const type = (body as { type?: unknown }).type;
  if (typeof type !== 'string') return `event type is ${type === undefined ? 'missing' : typeof type}, not a string`;
  if (type.startsWith(RESERVED_PREFIX)) return `event type "${type.slice(0, 64)}" is reserved by XState`;
  return undefined;
}
