/**
 * Supervisor and child specs, after Erlang/OTP's `supervisor` module: every key with its default
 * in one place, and one normalising function per spec that validates each field and fails with
 * `INVALID_SPEC` naming the field and the value.
 *
 * Supervisor keys:
 * - `strategy`: `'one_for_one'` (restart the failed child), `'one_for_all'` (stop all others in
 *   reverse order, restart all in order), `'rest_for_one'` (the same for the failed child and the
 *   children after it). Default `'one_for_one'`.
 * - `intensity`, `period`: more than `intensity` restarts within `period` ms and the supervisor
 *   stops its children and exits with `MAX_RESTART_INTENSITY`. Defaults 1 and 5000, as in OTP.
 * - `backoff`: optional delay before each restart, growing by `factor` from `min` to `max`,
 *   spread by ±`jitter`, and reset once a child has run `resetAfter` ms.
 * - `autoShutdown`: `'never'`, `'any_significant'` or `'all_significant'`.
 * - `aggregate`: how child results end the supervisor (see `aggregate.ts`).
 *
 * Child keys: `id` (unique, no `/`), `logic` (or `kind`, logic the node hosts by name),
 * `input`, `restart` (`'permanent'` default, `'transient'`, `'temporary'`), `shutdown` (ms,
 * `'brutal_kill'` or `'infinity'`; default 5000 for workers, `'infinity'` for supervisors),
 * `significant` (default false), `mailbox`, `node` (placement, for distributed systems). A
 * normalized child is its id and a template of the rest, shared with the child before it when the
 * two say the same (`child-template.ts`).
 */
import { InvalidSpecError } from '../runtime/errors.js';
import { normalizeDurable, type DurableOptions } from '../runtime/durable-options.js';
import { normalizeMailboxOptions, type MailboxOptions } from '../runtime/mailbox.js';
import { validateId } from '../runtime/paths.js';
import type { Shutdown } from '../runtime/cell.js';
import type { ChildLogic, LogicInput } from './logic-types.js';
import { sharedChild, type ChildTemplate, type NormalizedChildSpec, type RestartType } from './child-template.js';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
export type AutoShutdown = 'never' | 'any_significant' | 'all_significant';
export type AggregatePolicy = 'all' | 'any' | 'quorum';

/** Delayed restarts. */
export interface BackoffOptions {
  /** First delay, ms. @default 10 */
  min?: number;
  /** Largest delay, ms. @default 5000 */
  max?: number;
  /** Growth per consecutive restart. @default 2 */
  factor?: number;
  /** Random spread, a fraction of the delay (0.2 = ±20%). @default 0.2 */
  jitter?: number;
  /** A child that has run this long starts again from `min`. @default 30000 */
  resetAfter?: number;
}

/** How child results end a supervisor. */
export interface AggregateOptions {
  /** How many child results end the supervisor: every child, the first, or `quorum` of them. @default 'all' */
  policy?: AggregatePolicy;
  /** Results needed under `'quorum'`. */
  quorum?: number;
  /** Ms to wait for the results; then the supervisor decides with what it has. @default no limit */
  timeout?: number;
  /** A child that fails for good (or times out): `'fail'` fails the supervisor, `'proceed'` leaves it out. @default 'fail' */
  onPartialFailure?: 'fail' | 'proceed';
}

/**
 * The children of a supervisor, each spec checked against its own logic: a child's `input` must
 * be what its logic takes (`supervisor` infers the tuple, so a wrong input is a compile error).
 */
export type ChildSpecs<TLogics extends readonly unknown[]> = { [K in keyof TLogics]: InferredChildSpec<TLogics[K]> } & { [K in keyof TLogics]: LogicCheck<TLogics[K]> };

/**
 * A child spec as `supervisor` infers it: `TLogic` is `unknown` for a child placed by `kind` (no
 * logic to infer from), which must not make the whole tuple fall back to untyped children, as a
 * `ChildLogic` constraint did (a `kind` child beside a `logic` one let any input through).
 */
export interface InferredChildSpec<TLogic> extends Omit<ChildSpec, 'logic' | 'input'> {
  logic?: TLogic;
  input?: LogicInput<TLogic>;
}

/** Rejects a `logic` that is neither actor logic nor a supervisor (`logic: 42`); a `kind` child (`unknown`) passes. */
export type LogicCheck<TLogic> = unknown extends TLogic ? unknown : TLogic extends ChildLogic ? unknown : { logic: ChildLogic };

/**
 * The children's ids, so `supervisor` infers them beside the logics and types its result. Each
 * element has every key of a child spec: `ChildSpecs` is the tuple that checks them against the
 * logic (the two are intersected, and an intersection of tuples checks a literal against each
 * one whole, so this one must not reject what that one accepts).
 */
export type ChildIds<TIds extends readonly string[]> = { [K in keyof TIds]: Omit<ChildSpec, 'id'> & { id: TIds[K] } };

/** One child of a supervisor. */
export interface ChildSpec<TLogic extends ChildLogic = ChildLogic> {
  id: string;
  /** XState actor logic or a nested `supervisor(...)`. */
  logic?: TLogic;
  /** Instead of `logic`: the name of logic the hosting node provides (`createSystem({ kinds })`). */
  kind?: string;
  /** Placement: a node id or candidates, first up wins (distributed systems). */
  node?: string | string[];
  input?: LogicInput<TLogic>;
  /** @default 'permanent' */
  restart?: RestartType;
  /** @default 5000 for workers, 'infinity' for supervisors */
  shutdown?: Shutdown;
  /** @default false */
  significant?: boolean;
  mailbox?: MailboxOptions;
  /** Commit the child's state after every message and resume it on every new incarnation (XState logic only). @default false */
  durable?: boolean | DurableOptions;
}

/** The options of `supervisor(...)`. */
export interface SupervisorOptions<TLogics extends readonly unknown[] = ChildLogic[], TIds extends readonly string[] = string[]> {
  /** @default 'one_for_one' */
  strategy?: Strategy;
  /** @default 1 */
  intensity?: number;
  /** @default 5000 */
  period?: number;
  backoff?: BackoffOptions;
  /** @default 'never' */
  autoShutdown?: AutoShutdown;
  aggregate?: AggregateOptions;
  /** @default [] */
  children?: ChildSpecs<TLogics> & ChildIds<TIds>;
}

export interface NormalizedSupervisorSpec {
  strategy: Strategy;
  intensity: number;
  period: number;
  backoff: Required<BackoffOptions> | undefined;
  autoShutdown: AutoShutdown;
  aggregate: (Required<Omit<AggregateOptions, 'quorum' | 'timeout'>> & { quorum: number; timeout: number | undefined }) | undefined;
  children: NormalizedChildSpec[];
}

/** Supervisor defaults, as in OTP. */
export const DEFAULT_SUPERVISOR_OPTIONS = {
  strategy: 'one_for_one',
  intensity: 1,
  period: 5000,
  autoShutdown: 'never',
} as const satisfies SupervisorOptions;

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { min: 10, max: 5000, factor: 2, jitter: 0.2, resetAfter: 30_000 };

export const DEFAULT_CHILD = { restart: 'permanent', workerShutdown: 5000, supervisorShutdown: 'infinity', significant: false } as const;

const STRATEGIES: readonly Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const RESTARTS: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const AUTO: readonly AutoShutdown[] = ['never', 'any_significant', 'all_significant'];
const POLICIES: readonly AggregatePolicy[] = ['all', 'any', 'quorum'];

/** `value`, or `fallback` when it is absent. An explicit `null` is a value (and then rejected). */
function or<T>(value: unknown, fallback: T): unknown {
  return value === undefined ? fallback : value;
}

function oneOf<T>(value: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T)) throw new InvalidSpecError(field, value, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function number(value: unknown, field: string, check: (n: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || !check(value)) throw new InvalidSpecError(field, value, expected);
  return value;
}

const nonNegInt = (n: number) => Number.isInteger(n) && n >= 0;
const positive = (n: number) => n > 0 && Number.isFinite(n);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function allowKeys(obj: Record<string, unknown>, keys: readonly string[], field: string): void {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) throw new InvalidSpecError(field ? `${field}.${k}` : k, obj[k], `is not a known key (known: ${keys.join(', ')})`);
  }
}

export function normalizeShutdown(value: unknown, field: string, fallback: Shutdown): Shutdown {
  if (value === undefined) return fallback;
  if (value === 'brutal_kill' || value === 'infinity') return value;
  return number(value, field, (n) => Number.isInteger(n) && n >= 0, "must be ms (an integer >= 0), 'brutal_kill' or 'infinity'");
}

function normalizeBackoff(value: unknown): Required<BackoffOptions> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new InvalidSpecError('backoff', value, 'must be an object');
  allowKeys(value, Object.keys(DEFAULT_BACKOFF), 'backoff');
  const b = { ...DEFAULT_BACKOFF, ...value } as Required<BackoffOptions>;
  number(b.min, 'backoff.min', (n) => n >= 0 && Number.isFinite(n), 'must be a number of ms >= 0');
  number(b.max, 'backoff.max', (n) => n >= b.min && Number.isFinite(n), `must be a number of ms >= backoff.min (${b.min})`);
  number(b.factor, 'backoff.factor', (n) => n >= 1 && Number.isFinite(n), 'must be a number >= 1');
  number(b.jitter, 'backoff.jitter', (n) => n >= 0 && n <= 1, 'must be a number from 0 to 1');
  number(b.resetAfter, 'backoff.resetAfter', (n) => n >= 0, 'must be a number of ms >= 0');
  return b;
}

function normalizeAggregate(value: unknown): NormalizedSupervisorSpec['aggregate'] {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new InvalidSpecError('aggregate', value, 'must be an object');
  allowKeys(value, ['policy', 'quorum', 'timeout', 'onPartialFailure'], 'aggregate');
  const policy = oneOf(or(value.policy, 'all'), POLICIES, 'aggregate.policy');
  let quorum = 1;
  if (policy === 'quorum') quorum = number(value.quorum, 'aggregate.quorum', (n) => Number.isInteger(n) && n >= 1, "must be an integer >= 1 with policy 'quorum'");
  else if (value.quorum !== undefined) throw new InvalidSpecError('aggregate.quorum', value.quorum, "is only meaningful with policy 'quorum'");
  const timeout = value.timeout === undefined ? undefined : number(value.timeout, 'aggregate.timeout', positive, 'must be a number of ms > 0');
  const onPartialFailure = oneOf(or(value.onPartialFailure, 'fail'), ['fail', 'proceed'] as const, 'aggregate.onPartialFailure');
  return { policy, quorum, timeout, onPartialFailure };
}

/**
 * Validates one child spec. `isSupervisor` tells whether logic is a supervisor (for the
 * shutdown default); `autoShutdown` is the parent's, because OTP rejects significant children
 * under `'never'`. `previous` is the template of the child normalized before it: the result
 * shares it when nothing but the id differs.
 */
export function normalizeChildSpec(
  value: unknown,
  field: string,
  isSupervisor: (logic: unknown) => boolean,
  autoShutdown: AutoShutdown,
  previous?: ChildTemplate,
): NormalizedChildSpec {
  if (!isPlainObject(value)) throw new InvalidSpecError(field, value, 'must be an object');
  allowKeys(value, ['id', 'logic', 'kind', 'node', 'input', 'restart', 'shutdown', 'significant', 'mailbox', 'durable'], field);
  const id = validateId(value.id, `${field}.id`);
  const kind = value.kind;
  if (kind !== undefined && (typeof kind !== 'string' || kind === '')) throw new InvalidSpecError(`${field}.kind`, kind, 'must be a non-empty string');
  if (value.logic === undefined && kind === undefined) throw new InvalidSpecError(`${field}.logic`, value.logic, 'is missing (give logic, or a kind the node hosts)');
  if (value.logic !== null && value.logic !== undefined && typeof value.logic !== 'object' && typeof value.logic !== 'function') {
    throw new InvalidSpecError(`${field}.logic`, value.logic, 'must be XState actor logic or a supervisor(...)');
  }
  const node = value.node === undefined ? undefined : typeof value.node === 'string' ? [value.node] : value.node;
  if (node !== undefined && (!Array.isArray(node) || node.length === 0 || node.some((n) => typeof n !== 'string' || n === ''))) {
    throw new InvalidSpecError(`${field}.node`, value.node, 'must be a node id or a non-empty list of node ids');
  }
  if (node !== undefined && kind === undefined) {
    throw new InvalidSpecError(`${field}.node`, value.node, 'places the child on other nodes, which needs a kind (logic does not travel): name a kind the nodes host instead of logic');
  }
  if (node !== undefined && value.logic !== undefined) {
    throw new InvalidSpecError(`${field}.logic`, value.logic, 'cannot be given with node: the node runs the logic it hosts for the kind');
  }
  const restart = oneOf(or(value.restart, DEFAULT_CHILD.restart), RESTARTS, `${field}.restart`);
  const supervisorChild = value.logic !== undefined && isSupervisor(value.logic);
  const shutdown = normalizeShutdown(value.shutdown, `${field}.shutdown`, supervisorChild ? DEFAULT_CHILD.supervisorShutdown : DEFAULT_CHILD.workerShutdown);
  const significant = or(value.significant, DEFAULT_CHILD.significant);
  if (typeof significant !== 'boolean') throw new InvalidSpecError(`${field}.significant`, significant, 'must be a boolean');
  if (significant && restart === 'permanent') throw new InvalidSpecError(`${field}.significant`, significant, "cannot be true for a 'permanent' child (OTP rule)");
  if (significant && autoShutdown === 'never') throw new InvalidSpecError(`${field}.significant`, significant, "cannot be true when autoShutdown is 'never' (OTP rule)");
  if (value.mailbox !== undefined) normalizeMailboxOptions(value.mailbox as MailboxOptions, undefined, `${field}.mailbox`);
  const durable = normalizeDurable(value.durable, `${field}.durable`);
  if (durable && supervisorChild) throw new InvalidSpecError(`${field}.durable`, value.durable, 'is for XState logic: make the children of this supervisor durable instead');
  const template: ChildTemplate = {
    logic: value.logic,
    kind: kind as string | undefined,
    node: node as string[] | undefined,
    input: value.input,
    restart,
    shutdown,
    significant,
    mailbox: value.mailbox as MailboxOptions | undefined,
    durable,
  };
  return sharedChild(id, template, previous);
}

/** Validates supervisor options and fills in every default. */
export function normalizeSupervisorSpec(value: unknown, isSupervisor: (logic: unknown) => boolean): NormalizedSupervisorSpec {
  if (!isPlainObject(value)) throw new InvalidSpecError('options', value, 'must be an object');
  allowKeys(value, ['strategy', 'intensity', 'period', 'backoff', 'autoShutdown', 'aggregate', 'children'], '');
  const strategy = oneOf(or(value.strategy, DEFAULT_SUPERVISOR_OPTIONS.strategy), STRATEGIES, 'strategy');
  const intensity = number(or(value.intensity, DEFAULT_SUPERVISOR_OPTIONS.intensity), 'intensity', nonNegInt, 'must be an integer >= 0');
  const period = number(or(value.period, DEFAULT_SUPERVISOR_OPTIONS.period), 'period', positive, 'must be a number of ms > 0');
  const autoShutdown = oneOf(or(value.autoShutdown, DEFAULT_SUPERVISOR_OPTIONS.autoShutdown), AUTO, 'autoShutdown');
  const children = or(value.children, []);
  if (!Array.isArray(children)) throw new InvalidSpecError('children', children, 'must be an array');
  const seen = new Set<string>();
  let previous: ChildTemplate | undefined;
  const normalized = children.map((c, i) => {
    const child = normalizeChildSpec(c, `children[${i}]`, isSupervisor, autoShutdown, previous);
    previous = child.template;
    if (seen.has(child.id)) throw new InvalidSpecError(`children[${i}].id`, child.id, 'must be unique among the children');
    seen.add(child.id);
    return child;
  });
  return { strategy, intensity, period, backoff: normalizeBackoff(value.backoff), autoShutdown, aggregate: normalizeAggregate(value.aggregate), children: normalized };
}
