/**
 * The errors of the checker, both {@link ArborError}s: a machine that failed `assertMachine`, and
 * options that `checkMachine` rejects.
 */
import { ArborError, describe } from '../runtime/errors.js';
import { formatReport } from './format.js';
import type { CheckReport } from './types.js';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** `assertMachine`: the machine failed its check ({@link MachineCheckError}). */
    CHECK_FAILED: 'check';
    /** `checkMachine` was given options it cannot use ({@link CheckOptionsError}). */
    INVALID_OPTIONS: 'check';
  }
}

/** A machine failed its check; `code` is `'CHECK_FAILED'`, `report` (also in `details`) holds the failures. */
export class MachineCheckError extends ArborError {
  override name = 'MachineCheckError';
  constructor(readonly report: CheckReport) {
    super('CHECK_FAILED', `machine "${report.name}" failed its check\n${formatReport(report)}`, { machine: report.name, report });
  }
}

/** Invalid {@link CheckOptions}; `code` is `'INVALID_OPTIONS'`, `details` names the field and holds the value. */
export class CheckOptionsError extends ArborError {
  override name = 'CheckOptionsError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    expected: string,
  ) {
    super('INVALID_OPTIONS', `invalid check options: ${field} ${expected}, got ${describe(value)}`, { field, value });
  }
}
