/**
 * The `durable` option of `system.spawn` and of child specs: `true`, or an object that says which
 * version of the machine writes the state and what to do with state an older definition wrote.
 * The runtime only validates it and hands it to the cell factories (`src/durable` acts on it).
 */
import { InvalidSpecError } from './errors.js';

/** `durable: { ... }`: the options of a durable actor. */
export interface DurableOptions {
  /**
   * The version of the machine definition, compared with the one stored with the state.
   * @default a hash of the machine definition
   */
  version?: string;
  /**
   * State written by another machine id or version: `'fail'` the start with `INCOMPATIBLE_STATE`,
   * or `'reset'` (start from the initial state, the stored state is overwritten).
   * @default 'fail'
   */
  onIncompatible?: 'fail' | 'reset';
}

export type NormalizedDurableOptions = Required<Pick<DurableOptions, 'onIncompatible'>> & Pick<DurableOptions, 'version'>;

/** `undefined` when the actor is not durable; else its options with defaults. Throws `INVALID_SPEC`. */
export function normalizeDurable(value: unknown, field: string): NormalizedDurableOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { onIncompatible: 'fail' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidSpecError(field, value, 'must be true, false or { version?, onIncompatible? }');
  for (const key of Object.keys(value)) {
    if (key !== 'version' && key !== 'onIncompatible') throw new InvalidSpecError(`${field}.${key}`, (value as Record<string, unknown>)[key], 'is not a durable option (known: version, onIncompatible)');
  }
  const { version, onIncompatible = 'fail' } = value as DurableOptions;
  if (version !== undefined && (typeof version !== 'string' || version === '')) throw new InvalidSpecError(`${field}.version`, version, 'must be a non-empty string');
  if (onIncompatible !== 'fail' && onIncompatible !== 'reset') throw new InvalidSpecError(`${field}.onIncompatible`, onIncompatible, "must be 'fail' or 'reset'");
  return version === undefined ? { onIncompatible } : { version, onIncompatible };
}
