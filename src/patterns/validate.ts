/** Small option validators shared by the patterns: each fails with `INVALID_SPEC` naming the field. */
import pino, { type Logger } from 'pino';
import { InvalidSpecError } from '../runtime/errors.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as an object (an absent one is `{}`), or `INVALID_SPEC`. */
export function optionsObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new InvalidSpecError(field, value, 'must be an object');
  return value;
}

export function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidSpecError(field, value, 'must be a non-empty string');
  return value;
}

/** An integer >= `min`, or `fallback` when absent. */
export function integer(value: unknown, field: string, min: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidSpecError(field, value, `must be an integer >= ${min}`);
  return value;
}

/** The longest delay a timer holds (ms); Node fires a longer one at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A finite number of ms > 0 that a timer can hold, or `fallback` when absent. */
export function duration(value: unknown, field: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new InvalidSpecError(field, value, 'must be a number of ms > 0');
  if (value > MAX_TIMER_MS) throw new InvalidSpecError(field, value, `must be at most ${MAX_TIMER_MS} ms (what a timer holds; a longer one would fire at once)`);
  return value;
}

export function fn<T extends (...args: never[]) => unknown>(value: unknown, field: string): T {
  if (typeof value !== 'function') throw new InvalidSpecError(field, value, 'must be a function');
  return value as T;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new InvalidSpecError(field, value, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

let silent: Logger | undefined;

/** `value` as a pino logger; absent or `false` is a silent one. */
export function loggerOption(value: unknown, field = 'logger'): Logger {
  if (value === undefined || value === false) return (silent ??= pino({ enabled: false }));
  if (typeof value !== 'object' || value === null || typeof (value as Logger).child !== 'function') throw new InvalidSpecError(field, value, 'must be a pino logger or false');
  return value as Logger;
}

const STATE_NAME = /^[A-Za-z0-9_-]+$/;

/** A name that becomes part of a generated state id: letters, digits, `_` and `-`. */
export function stateName(value: unknown, field: string, hint = ''): string {
  const name = nonEmptyString(value, field);
  if (!STATE_NAME.test(name)) throw new InvalidSpecError(field, name, `must be letters, digits, "_" or "-"${hint}`);
  return name;
}
