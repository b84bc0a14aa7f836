/**
 * Loading a user's module (`.js`, or `.ts` through tsx, registered on first use) and reading the
 * exports the CLI understands: `machines` (named XState machines), `checks`, `default` (the system
 * to run) and `kinds` (logic the node hosts for others).
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyActorLogic, AnyStateMachine } from 'xstate';
import { isActorLogic } from '../actors/index.js';
import { describe } from '../runtime/errors.js';
import { isSupervisorLogic, supervisor, type SupervisorLogic } from '../supervision/supervisor.js';
import type { SupervisorOptions } from '../supervision/spec.js';
import { asCliError, CliError } from './errors.js';
import { loadError } from './load-error.js';
import { isTypeScript, loadTypeScript } from './typescript-loader.js';

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
  if (isTypeScript(absolute)) await loadTypeScript(path);
  try {
    return esmExports((await import(pathToFileURL(absolute).href)) as ModuleExports);
  } catch (err) {
    throw loadError(path, err);
  }
}

/**
 * The exports as the module wrote them. A `.ts` file outside a `"type": "module"` package is
 * compiled to CommonJS (marked `__esModule`), and Node's `import()` hands its whole
 * `module.exports` over as `default`: unwrapped here, so `export default` means the same either way.
 */
function esmExports(mod: ModuleExports): ModuleExports {
  const inner = mod['default'];
  return typeof inner === 'object' && inner !== null && (inner as { __esModule?: unknown }).__esModule === true ? (inner as ModuleExports) : mod;
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

/** Logic `arbor run` can spawn: `supervisor(...)` logic or any XState actor logic. */
export type RunnableLogic = SupervisorLogic | AnyActorLogic;

function isRunnable(x: unknown): x is RunnableLogic {
  return isSupervisorLogic(x) || isActorLogic(x);
}

/**
 * The `default` export as logic to spawn: `supervisor(...)` logic, any XState logic, or plain
 * supervisor options (`{ children: [...] }`), which are turned into a supervisor here.
 */
export function systemOf(mod: ModuleExports, path: string): RunnableLogic {
  const value = mod['default'];
  if (value === undefined) throw new CliError('INVALID_MODULE', `${path} has no default export (a supervisor spec or XState logic to run)`);
  if (isRunnable(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { children?: unknown }).children)) {
    try {
      return supervisor(value as SupervisorOptions);
    } catch (err) {
      throw asCliError(err, `${path}: default export`);
    }
  }
  throw new CliError('INVALID_MODULE', `${path}: the default export must be a supervisor spec or XState logic, got ${describe(value)}`);
}

/** The optional `kinds` export: `{ [kind]: logic }` this node hosts for supervisors elsewhere. */
export function kindsOf(mod: ModuleExports, path: string): Record<string, RunnableLogic> {
  const kinds = mod['kinds'];
  if (kinds === undefined) return {};
  if (typeof kinds !== 'object' || kinds === null) throw new CliError('INVALID_MODULE', `${path}: "kinds" must be an object of named logic`);
  for (const [name, logic] of Object.entries(kinds)) {
    if (!isRunnable(logic)) throw new CliError('INVALID_MODULE', `${path}: kinds.${name} is not XState logic or a supervisor`);
  }
  return kinds as Record<string, RunnableLogic>;
}

/** Called by `arbor run` once the root actor is spawned (to send first events, subscribe, ...). */
export type StartHook = (system: unknown, root: unknown) => unknown;

/** The optional `start` export. */
export function startOf(mod: ModuleExports, path: string): StartHook | undefined {
  const start = mod['start'];
  if (start === undefined) return undefined;
  if (typeof start !== 'function') throw new CliError('INVALID_MODULE', `${path}: "start" must be a function (system, root) => void | Promise<void>, got ${describe(start)}`);
  return start as StartHook;
}
