/**
 * The keys `system.spawn` takes. Anything else is a mistake (a misspelt `input`, an XState option
 * Arbor does not serve) and is rejected with `INVALID_SPEC` rather than silently ignored.
 */
import { InvalidSpecError } from './errors.js';

const SPAWN_KEYS: ReadonlySet<string> = new Set(['id', 'input', 'mailbox', 'shutdown', 'snapshot', 'systemId', 'durable', 'singleton']);

/** Throws `INVALID_SPEC` naming the first key `system.spawn` does not know. */
export function assertSpawnKeys(options: object): void {
  for (const key of Object.keys(options)) {
    if (!SPAWN_KEYS.has(key)) throw new InvalidSpecError(key, (options as Record<string, unknown>)[key], `is not a spawn option (known: ${[...SPAWN_KEYS].join(', ')})`);
  }
}
