/** Errors the CLI reports as one line on stderr, with the exit code they map to. */
import { ArborError } from '../runtime/errors.js';

/** Exit codes of every `arbor` command. */
export const EXIT = {
  /** Success; for `check`, every machine passed. */
  OK: 0,
  /** `check` found failures; `run`: the root actor failed; `status`: a node did not answer; `replay`: nothing matched. */
  FAILED: 1,
  /** Bad usage or input: unknown command or flag, missing file, module without `machines`, unusable broker. */
  USAGE: 2,
  /** `run`: a second SIGINT/SIGTERM forced the exit (128 + SIGINT). */
  FORCED: 130,
  /** A bug in arbor itself (EX_SOFTWARE). */
  INTERNAL: 70,
} as const;

/** Codes of {@link CliError}. */
export type CliErrorCode = 'USAGE' | 'MODULE_NOT_FOUND' | 'MODULE_LOAD_FAILED' | 'INVALID_MODULE' | 'INVALID_INPUT' | 'UNAVAILABLE' | 'MISSING_DEPENDENCY';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** Unknown command or flag, or a flag without its value. */
    USAGE: 'cli';
    MODULE_NOT_FOUND: 'cli';
    MODULE_LOAD_FAILED: 'cli';
    /** The module lacks an export the command needs, or has one of the wrong shape. */
    INVALID_MODULE: 'cli';
    /** An Arbor error caused by the user's input (a bad spec, a malformed journal). */
    INVALID_INPUT: 'cli';
    /** A service the command needs (the broker) cannot be reached. */
    UNAVAILABLE: 'cli';
    /** An optional package the command needs is not installed (tsx, to load a `.ts` module). */
    MISSING_DEPENDENCY: 'cli';
  }
}

/** A user-facing CLI error: printed as `arbor: <message>`, exit code 2. */
export class CliError extends ArborError {
  override name = 'CliError';
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

/** Arbor error codes that mean the user's input or environment is wrong, not that arbor has a bug. */
const USER_CODES: Readonly<Record<string, CliErrorCode>> = {
  INVALID_SPEC: 'INVALID_INPUT',
  NOT_FOUND: 'INVALID_INPUT',
  DECODE_ERROR: 'INVALID_INPUT',
  TRANSPORT_ERROR: 'UNAVAILABLE',
  INSPECTOR_FAILED: 'UNAVAILABLE',
  // A workflow checked on several threads (`--workers`): its module, or a run of it, failed there.
  SOURCE_NOT_FOUND: 'INVALID_INPUT',
  SOURCE_INVALID: 'INVALID_INPUT',
  WORKER_FAILED: 'INVALID_INPUT',
};

/**
 * `err` as a {@link CliError} when it is an Arbor error caused by the user's input (a bad spec, a
 * missing or malformed journal, an unreachable broker: messages already name the value, with URLs
 * redacted); anything else unchanged.
 */
export function asCliError(err: unknown, context?: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (!(err instanceof Error) || typeof code !== 'string' || !(code in USER_CODES)) return err;
  const details = err instanceof ArborError ? { ...err.details, code } : { code };
  return new CliError(USER_CODES[code] as CliErrorCode, context ? `${context}: ${err.message}` : err.message, details, { cause: err });
}
