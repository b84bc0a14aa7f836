/**
 * One small error hierarchy for the whole runtime. Every error Arbor raises carries an UPPERCASE
 * string `code` that callers can switch on, and a terse message that names the offending value.
 */

/**
 * The codes of the errors Arbor raises, each with the layer that owns it. This lists the
 * runtime's; each layer above adds its own by declaration merging, next to the code that throws
 * them (`supervision/error-codes.ts`, `patterns/error-codes.ts`, `cli/errors.ts`):
 *
 * ```ts
 * declare module '../runtime/errors.js' {
 *   interface ErrorCodes { CIRCUIT_OPEN: 'patterns' }
 * }
 * ```
 */
export interface ErrorCodes {
  /** A spec, option or argument failed validation ({@link InvalidSpecError}). */
  INVALID_SPEC: 'runtime';
  /** An event is not a plain object with a string `type`, or fails its schema. */
  INVALID_EVENT: 'runtime';
  ASK_TIMEOUT: 'runtime';
  MAILBOX_FULL: 'runtime';
  ACTOR_STOPPED: 'runtime';
  /** The message being processed when the actor crashed (its dead-letter reason). */
  ACTOR_CRASHED: 'runtime';
  NOT_FOUND: 'runtime';
  SYSTEM_SHUTDOWN: 'runtime';
  // What the Transport port reports (any transport, the in-memory one included).
  NODE_DOWN: 'runtime';
  NO_NODE: 'runtime';
  TRANSPORT_ERROR: 'runtime';
  MESSAGE_TOO_LARGE: 'runtime';
  UNROUTABLE: 'runtime';
  DECODE_ERROR: 'runtime';
  ENCODE_ERROR: 'runtime';
  DELIVERY_FAILED: 'runtime';
  /** An event no state of the receiving worker handles (see `unhandledEvents`). */
  UNHANDLED_EVENT: 'runtime';
  /** A ref feature this kind of ref cannot serve (a remote ref's `subscribe`, `on`, `getPersistedSnapshot`). */
  NOT_SUPPORTED: 'runtime';
}

/** Every code an {@link ArborError} can carry: the union of every layer's codes. */
export type ErrorCode = keyof ErrorCodes;

/**
 * @internal Makes an error without capturing a stack trace, for errors whose stack would only show where
 * the runtime noticed a failure, not where it happened (a crash's dead-letter reason carries the
 * crash as its `cause`, with the stack that matters). Capturing one under XState's frames costs
 * more than the rest of a restart's bookkeeping, and its unformatted frames keep the crashed
 * incarnation alive for as long as the error is kept (the dead-letter log keeps 1,000).
 */
export function withoutStack<T extends Error>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

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

/** How an {@link InvalidSpecError} reads. */
export interface InvalidSpecOptions {
  /**
   * What was being validated, for the message: `invalid <subject>: <field> <expected>, got <value>`.
   * @default 'spec'
   */
  subject?: string;
  /** The value as the message and `details` show it, when the raw one must not appear (a URL with a password). */
  shown?: unknown;
  /** The whole message, when the usual form does not fit (an option that names a file that cannot be opened). */
  message?: string;
  cause?: unknown;
}

/**
 * A spec, an option or an argument failed validation: the one way `INVALID_SPEC` is thrown.
 * `field` names the bad key (`children[1].restart`), `details` hold it and the offending value.
 */
export class InvalidSpecError extends ArborError {
  override name = 'InvalidSpecError';
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expected: string, options: InvalidSpecOptions = {}) {
    const shown = 'shown' in options ? options.shown : value;
    const message = options.message ?? `invalid ${options.subject ?? 'spec'}: ${field} ${expected}, got ${'shown' in options ? JSON.stringify(shown) : describe(value)}`;
    super('INVALID_SPEC', message, { field, value: shown }, 'cause' in options ? { cause: options.cause } : undefined);
    this.field = field;
    this.value = shown;
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
