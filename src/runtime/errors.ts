/**
 * One small error hierarchy for the whole runtime. Every error Arbor raises carries an UPPERCASE
 * string `code` that callers can switch on, and a terse message that names the offending value.
 */

/** Every code an {@link ArborError} can carry. */
export type ErrorCode =
  | 'INVALID_SPEC'
  | 'INVALID_EVENT'
  | 'ASK_TIMEOUT'
  | 'MAX_RESTART_INTENSITY'
  | 'MAILBOX_FULL'
  | 'ACTOR_STOPPED'
  | 'ACTOR_CRASHED'
  | 'NOT_FOUND'
  | 'CHILD_RUNNING'
  | 'CHILD_FAILED'
  | 'AGGREGATE_TIMEOUT'
  | 'QUORUM_UNREACHABLE'
  | 'SHUTDOWN_TIMEOUT'
  | 'SYSTEM_SHUTDOWN'
  | 'UNHANDLED_MESSAGE'
  | 'NODE_DOWN'
  | 'NO_NODE'
  | 'TRANSPORT_ERROR'
  | 'MESSAGE_TOO_LARGE'
  | 'UNROUTABLE'
  | 'DECODE_ERROR'
  | 'ENCODE_ERROR'
  | 'BUDGET_EXCEEDED'
  | 'CIRCUIT_OPEN'
  | 'WORKFLOW_TIMEOUT'
  | 'DELIVERY_FAILED'
  // XState fidelity (issue 18): an event no state handles; a ref feature a remote ref cannot serve.
  | 'UNHANDLED_EVENT'
  | 'NOT_SUPPORTED';

/** Base class of every error Arbor raises (except the `TypeError` for a malformed event). */
export class ArborError extends Error {
  override name = 'ArborError';
  readonly code: ErrorCode;
  /** Extra structured facts about the failure (the offending value, a path, ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** A supervisor or child spec, or a spawn option, failed validation. `field` names the bad key. */
export class InvalidSpecError extends ArborError {
  override name = 'InvalidSpecError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    expected: string,
  ) {
    super('INVALID_SPEC', `invalid spec: ${field} ${expected}, got ${describe(value)}`, { field, value });
  }
}

/** `send` was given something that is not a plain object with a string `type`. */
export class InvalidEventError extends TypeError {
  override name = 'InvalidEventError';
  readonly code = 'INVALID_EVENT' as const;
  constructor(
    readonly value: unknown,
    /** What was wrong, when it is not the shape (e.g. a type XState reserves). */
    problem?: string,
  ) {
    super(problem === undefined ? `invalid event: expected a plain object with a string "type", got ${describe(value)}` : `invalid event: ${problem}, got ${describe(value)}`);
  }
}

/** True when `err` is an {@link ArborError} (optionally: with this code). */
export function isArborError(err: unknown, code?: ErrorCode): err is ArborError {
  return err instanceof ArborError && (code === undefined || err.code === code);
}

/** A short, bounded rendering of any value for error messages. Never throws. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 120 ? text.slice(0, 117) + '...' : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Turns anything thrown into an Error without losing it. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : describe(thrown), { cause: thrown });
}
