/**
 * Loading a user's module (`.ts` or `.js`; tsx is registered by `bin/arbor.js`) and reading the
 * exports the CLI understands: `machines` (named XState machines), `checks` and `default`.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { CliError } from './errors.js';

/** A module's exports, unvalidated. */
export type ModuleExports = Record<string, unknown>;

/** Imports the module at `path` (relative to the working directory). */
export async function loadModule(path: string): Promise<ModuleExports> {
  const absolute = resolve(path);
  try {
    await access(absolute);
  } catch {
    throw new CliError('MODULE_NOT_FOUND', `module not found: ${path}`);
  }
  try {
    return (await import(pathToFileURL(absolute).href)) as ModuleExports;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CliError('MODULE_LOAD_FAILED', `cannot load ${path}: ${reason}`);
  }
}

function isMachine(x: unknown): x is AnyStateMachine {
  return typeof x === 'object' && x !== null && 'root' in x && 'id' in x && typeof (x as { transition?: unknown }).transition === 'function';
}

/** The `machines` export, validated; `undefined` when absent. */
export function machinesOf(mod: ModuleExports, path: string): Record<string, AnyStateMachine> | undefined {
  const machines = mod['machines'];
  if (machines === undefined) return undefined;
  if (typeof machines !== 'object' || machines === null) throw new CliError('INVALID_MODULE', `${path}: "machines" must be an object of named XState machines`);
  for (const [name, machine] of Object.entries(machines)) {
    if (!isMachine(machine)) throw new CliError('INVALID_MODULE', `${path}: machines.${name} is not an XState machine`);
  }
  return machines as Record<string, AnyStateMachine>;
}

/** The `machines` export, which must be present. */
export function requireMachines(mod: ModuleExports, path: string): Record<string, AnyStateMachine> {
  const machines = machinesOf(mod, path);
  if (!machines) throw new CliError('INVALID_MODULE', `${path} does not export "machines" (an object of named XState machines)`);
  return machines;
}
