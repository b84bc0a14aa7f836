/**
 * The validation toolkit every options normaliser uses: small `valid*` checks that return the
 * value or throw an {@link InvalidSpecError} naming the field, as OTP's `supervisor` does.
 */
import { InvalidSpecError } from './errors.js';

/** The checks for one kind of options; messages read `invalid <subject>: <field> ...`. */
export interface Validator {
  invalid(field: string, value: unknown, expected: string): never;
  /** An integer from `min` to `max`. */
  int(field: string, value: unknown, min: number, max?: number): number;
  /** A finite number of at least `min`. */
  number(field: string, value: unknown, min: number): number;
}

/** The checks for options called `subject` (`'rabbitmq option'`, `'journal option'`). */
export function validator(subject: string): Validator {
  const invalid = (field: string, value: unknown, expected: string): never => {
    throw new InvalidSpecError(field, value, expected, { subject });
  };
  return {
    invalid,
    int(field, value, min, max = Number.MAX_SAFE_INTEGER) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) invalid(field, value, `must be an integer from ${min} to ${max}`);
      return value as number;
    },
    number(field, value, min) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min) invalid(field, value, `must be a finite number of at least ${min}`);
      return value as number;
    },
  };
}
