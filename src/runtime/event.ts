/** What an event is, and the one check every `send` runs. */
import { InvalidEventError } from './errors.js';

/** An event: a plain object with a string `type`. */
export interface ArborEvent {
  type: string;
  [key: string]: unknown;
}

/** XState reserves event types starting with this for itself (`xstate.stop`, `xstate.init`, ...). */
export const RESERVED_EVENT_PREFIX = 'xstate.';

/**
 * Throws a `TypeError` (code `INVALID_EVENT`) unless `value` is a plain object with a string `type`
 * that XState does not reserve: an `xstate.*` event from outside would stop or confuse a machine.
 */
export function assertEvent(value: unknown): asserts value is ArborEvent {
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw new InvalidEventError(value);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new InvalidEventError(value);
  if ((value as ArborEvent).type.startsWith(RESERVED_EVENT_PREFIX)) {
    throw new InvalidEventError(value, `the type "${(value as ArborEvent).type}" is reserved by XState (xstate.*)`);
  }
}

/** The correlation id an event carries, if any; logs and dead letters include it. */
export function correlationOf(event: unknown): string | undefined {
  const c = (event as { correlationId?: unknown } | null)?.correlationId;
  return typeof c === 'string' ? c : undefined;
}
