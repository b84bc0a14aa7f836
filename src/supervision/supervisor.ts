/** `supervisor(...)`: supervisor logic, validated once at creation. */
import { normalizeSupervisorSpec, type NormalizedSupervisorSpec, type SupervisorOptions } from './spec.js';
import type { ChildLogic, OutputCarrier, SupervisorOutput } from './logic-types.js';

const SUPERVISOR = Symbol.for('arbor.supervisor');

/**
 * What `supervisor(...)` returns: pass it to `system.spawn` or use it as a child's `logic`.
 * `TOutput` is its result (`ref.result()`), typed from the children by `supervisor(...)`.
 */
export interface SupervisorLogic<TOutput = unknown> extends OutputCarrier<TOutput> {
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
 * await root.result(); // { fetch?: OutputFrom<typeof fetcher>, parse?: OutputFrom<typeof parser> }
 */
export function supervisor<const TLogics extends readonly unknown[] = ChildLogic[], const TIds extends readonly string[] = string[]>(
  options: SupervisorOptions<TLogics, TIds> = {},
): SupervisorLogic<SupervisorOutput<TLogics, TIds>> {
  return Object.freeze({ [SUPERVISOR]: true as const, spec: normalizeSupervisorSpec(options, isSupervisorLogic) });
}
