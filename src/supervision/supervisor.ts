/** `supervisor(...)`: supervisor logic, validated once at creation. */
import { normalizeSupervisorSpec, type NormalizedSupervisorSpec, type SupervisorOptions } from './spec.js';
import type { ChildLogic } from './logic-types.js';

const SUPERVISOR = Symbol.for('arbor.supervisor');

/** What `supervisor(...)` returns: pass it to `system.spawn` or use it as a child's `logic`. */
export interface SupervisorLogic {
  readonly [SUPERVISOR]: true;
  /** The validated spec, every default filled in. */
  readonly spec: NormalizedSupervisorSpec;
}

/** True for the result of `supervisor(...)`. */
export function isSupervisorLogic(value: unknown): value is SupervisorLogic {
  return typeof value === 'object' && value !== null && (value as Partial<SupervisorLogic>)[SUPERVISOR] === true;
}

/**
 * Supervisor logic with OTP semantics. Throws `INVALID_SPEC` naming the field for a bad spec.
 *
 * @example
 * const root = system.spawn(
 *   supervisor({
 *     strategy: 'one_for_one', intensity: 3, period: 5000,
 *     children: [
 *       { id: 'fetch', logic: fetcher, restart: 'transient' },
 *       { id: 'parse', logic: parser, restart: 'transient' },
 *     ],
 *     aggregate: { policy: 'all', timeout: 10_000 },
 *   }),
 *   { id: 'root' },
 * );
 * await root.result(); // { fetch: ..., parse: ... }
 */
export function supervisor<const TLogics extends readonly ChildLogic[] = ChildLogic[]>(options: SupervisorOptions<TLogics> = {}): SupervisorLogic {
  return Object.freeze({ [SUPERVISOR]: true as const, spec: normalizeSupervisorSpec(options, isSupervisorLogic) });
}
