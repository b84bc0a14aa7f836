/**
 * Flag parsing for every command, on `node:util`'s `parseArgs` in strict mode: unknown flags and
 * missing values become a {@link CliError} (exit 2) naming the flag.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  /** Errors with their whole stack. */
  verbose: { type: 'boolean' },
} as const satisfies Options;

type Config<T extends Options> = { args: string[]; options: typeof COMMON_OPTIONS & T; allowPositionals: true; strict: true };

/** What {@link parse} returns: `values` typed from the options, and the positionals. */
export type Parsed<T extends Options> = ReturnType<typeof parseArgs<Config<T>>>;

/** Parses `argv` against `options` plus {@link COMMON_OPTIONS}. */
export function parse<const T extends Options>(argv: readonly string[], options: T): Parsed<T> {
  try {
    const config: Config<T> = { args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true };
    return parseArgs(config);
  } catch (err) {
    // parseArgs' messages are good but long ("... To specify a positional argument ..."); keep the first sentence.
    const message = err instanceof Error ? err.message.split(/\.\s/)[0] ?? err.message : String(err);
    throw new CliError('USAGE', message.replace(/\.$/, ''));
  }
}

/** The single `<module>` positional, or a usage error. */
export function onePositional(positionals: readonly string[], name: string): string {
  if (positionals.length !== 1) {
    throw new CliError('USAGE', positionals.length === 0 ? `missing <${name}> argument` : `expected one <${name}>, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  return positionals[0] as string;
}

/** A non-negative integer flag value, or a usage error naming the flag. */
export function integerFlag(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new CliError('USAGE', `--${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A flag value that must be one of `choices`, or a usage error naming the flag and the choices. */
export function choiceFlag<const C extends string>(value: string | undefined, flag: string, choices: readonly C[]): C | undefined {
  if (value === undefined || (choices as readonly string[]).includes(value)) return value as C | undefined;
  throw new CliError('USAGE', `--${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}
