/** The one function that applies the defaults of {@link CheckOptions} and validates them. */
import type { AnyStateMachine } from 'xstate';
import { CheckOptionsError } from './errors.js';
import { DEFAULT_CHECK_OPTIONS } from './types.js';
import type { CheckOptions, NormalizedCheckOptions, PayloadSource } from './types.js';

/** Applies defaults and validates; throws {@link CheckOptionsError} naming the bad field. */
export function normalizeCheckOptions(options: CheckOptions<AnyStateMachine> = {}): NormalizedCheckOptions {
  const normalized = {
    invariants: options.invariants ?? {},
    events: (options.events ?? {}) as Record<string, PayloadSource<unknown> | undefined>,
    actors: options.actors ?? {},
    numRuns: options.numRuns ?? DEFAULT_CHECK_OPTIONS.numRuns,
    seed: options.seed ?? DEFAULT_CHECK_OPTIONS.seed,
    maxSteps: options.maxSteps ?? DEFAULT_CHECK_OPTIONS.maxSteps,
    maxStates: options.maxStates ?? DEFAULT_CHECK_OPTIONS.maxStates,
    input: options.input,
  };
  for (const field of ['numRuns', 'maxSteps', 'maxStates'] as const) {
    const value = normalized[field];
    if (!Number.isInteger(value) || value < 1) throw new CheckOptionsError(field, value, 'must be a positive integer');
  }
  if (!Number.isInteger(normalized.seed)) throw new CheckOptionsError('seed', normalized.seed, 'must be an integer');
  for (const [name, fn] of Object.entries(normalized.invariants)) {
    if (typeof fn !== 'function') throw new CheckOptionsError(`invariants.${name}`, fn, 'must be a function');
  }
  for (const [type, source] of Object.entries(normalized.events)) {
    if (source !== undefined && !isSource(source)) throw new CheckOptionsError(`events.${type}`, source, 'must be a fast-check arbitrary or an array of payloads');
  }
  for (const [name, spec] of Object.entries(normalized.actors)) validateActor(name, spec);
  return normalized;
}

/** An arbitrary (anything with fast-check's `generate`) or a list of values. */
function isSource(value: unknown): boolean {
  return Array.isArray(value) || (typeof value === 'object' && value !== null && typeof (value as { generate?: unknown }).generate === 'function');
}

function validateActor(name: string, spec: unknown): void {
  if (spec === undefined) return;
  if (typeof spec !== 'object' || spec === null) throw new CheckOptionsError(`actors.${name}`, spec, 'must be an object ({ output?, error?, run? })');
  const { output, error, run, ...rest } = spec as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new CheckOptionsError(`actors.${name}.${unknown}`, rest[unknown], 'is not an option (output, error, run)');
  if (output !== undefined && !isSource(output)) throw new CheckOptionsError(`actors.${name}.output`, output, 'must be a fast-check arbitrary or an array of outputs');
  if (error !== undefined && typeof error !== 'boolean' && !isSource(error)) throw new CheckOptionsError(`actors.${name}.error`, error, 'must be a boolean, an arbitrary or an array of errors');
  if (run !== undefined && typeof run !== 'boolean') throw new CheckOptionsError(`actors.${name}.run`, run, 'must be a boolean');
}
