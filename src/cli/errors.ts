/** Errors the CLI reports as one line on stderr, with the exit code they map to. */

/** Exit codes of every `arbor` command. */
export const EXIT = {
  /** Success; for `check`, every machine passed. */
  OK: 0,
  /** `check` found failures. */
  FAILED: 1,
  /** Bad usage or input: unknown command or flag, missing file, module without `machines`. */
  USAGE: 2,
  /** A bug in arbor itself (EX_SOFTWARE). */
  INTERNAL: 70,
} as const;

/** Codes of {@link CliError}. */
export type CliErrorCode = 'USAGE' | 'MODULE_NOT_FOUND' | 'MODULE_LOAD_FAILED' | 'INVALID_MODULE';

/** A user-facing CLI error: printed as `arbor: <message>`, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
  }
}
