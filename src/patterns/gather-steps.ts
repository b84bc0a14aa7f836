/**
 * What a gather does with each thing that comes in, shared by its two runners: the XState machine
 * `scatterGather()` returns (diagrams, checks, durable and inspected runs) and the gather's own
 * cell (`gather-cell.ts`, every other run). Each step takes the context and returns the fields it
 * changes, which the machine `assign`s and the cell copies onto its context, so the two decide
 * alike by construction.
 */
import type { Logger } from 'pino';
import type { ArborEvent } from '../runtime/event.js';
import type { ActorRef } from '../runtime/ref.js';
import { describe, toError } from '../runtime/errors.js';
import { eventFields } from './event.js';
import { heldPath, type HeldTarget } from './targets.js';

export type GatherPolicy = 'all' | 'any' | 'quorum' | 'first-k';
export type PartialFailure = 'fail' | 'proceed';

/** Input of a scatter-gather machine. */
export interface ScatterGatherInput {
  /** Refs, or paths (`arbor://...`, resolved when asked). */
  workers: readonly (ActorRef | string)[];
  /** Sent to every worker (with a `replyTo` added). */
  request: ArborEvent;
}

export interface GatherResult<TReply> {
  worker: string;
  index: number;
  reply: TReply;
}

export interface GatherFailure {
  worker: string;
  index: number;
  reason: string;
  code?: string;
}

/** The output of a scatter-gather machine. */
export interface GatherOutput<TReply = ArborEvent> {
  ok: boolean;
  /** Accepted replies, in arrival order. */
  results: GatherResult<TReply>[];
  failures: GatherFailure[];
  timedOut: boolean;
  /** Why the gather failed. */
  reason?: string;
}

export interface GatherContext<TReply> {
  /** Under Arbor their paths (plain data a durable gather can commit), else the refs. */
  workers: readonly HeldTarget<ActorRef>[];
  request: ArborEvent;
  needed: number;
  /** Indices still awaited. */
  pending: number[];
  results: GatherResult<TReply>[];
  failures: GatherFailure[];
  timedOut: boolean;
}

type Verdict = 'pending' | 'ok' | 'failed';

/** What both runners of one gather share: its validated options. */
export interface GatherPlan<TReply> {
  readonly id: string;
  readonly policy: GatherPolicy;
  readonly onPartialFailure: PartialFailure;
  readonly deadline: number;
  readonly k: number | undefined;
  readonly validate: (reply: TReply) => true | string;
  /** The gather's logger (`gather` = its id). */
  readonly logger: Logger;
  /** The machine `scatterGather()` returned (what the inspector draws). */
  machine?: unknown;
}

/** How many replies a policy needs from `n` workers. */
export function repliesNeeded(policy: GatherPolicy, n: number, k: number | undefined): number {
  if (policy === 'all') return n;
  if (policy === 'any') return 1;
  if (policy === 'quorum') return k ?? Math.floor(n / 2) + 1;
  return k ?? 1;
}

/**
 * The decision, given what has come in so far (pure; the machine's guard and output use it).
 * Under `all` + `'proceed'` a failed worker is left out of what is needed, but one reply at least is.
 */
export function gatherVerdict(
  policy: GatherPolicy,
  onPartialFailure: PartialFailure,
  needed: number,
  c: { results: readonly unknown[]; failures: readonly unknown[]; pending: readonly unknown[] },
): Verdict {
  const need = policy === 'all' && onPartialFailure === 'proceed' ? Math.max(needed - c.failures.length, Math.min(1, needed)) : needed;
  if (c.results.length >= need) return 'ok';
  if (onPartialFailure === 'fail' && c.failures.length > 0) return 'failed';
  if (c.results.length + c.pending.length < need) return 'failed';
  return 'pending';
}

/** The plan's verdict on `c`. */
export function verdictOf(plan: GatherPlan<unknown>, c: GatherContext<unknown>): Verdict {
  return gatherVerdict(plan.policy, plan.onPartialFailure, c.needed, c);
}

/** The context a gather starts with (`hold` keeps a worker ref as context may: see `targets.ts`). */
export function initialContext<TReply>(plan: GatherPlan<TReply>, input: ScatterGatherInput | undefined, hold: (ref: ActorRef) => HeldTarget<ActorRef>): GatherContext<TReply> {
  const workers = (input?.workers ?? []).map((ref) => (typeof ref === 'string' ? ref : hold(ref)));
  return {
    workers,
    request: input?.request ?? { type: 'request' },
    needed: repliesNeeded(plan.policy, workers.length, plan.k),
    pending: workers.map((_, i) => i),
    results: [],
    failures: [],
    timedOut: false,
  };
}

function settle(c: GatherContext<unknown>, index: number): number[] {
  return c.pending.filter((i) => i !== index);
}

/** Worker `index` replied: the reply is taken, or a failure when `validate` rejects it (a late reply changes nothing). */
export function onReply<TReply>(plan: GatherPlan<TReply>, c: GatherContext<TReply>, index: number, reply: TReply): Partial<GatherContext<TReply>> {
  if (!c.pending.includes(index)) return {};
  const worker = workerName(c.workers[index]!);
  const accepted = plan.validate(reply);
  return accepted === true
    ? { pending: settle(c, index), results: [...c.results, { worker, index, reply }] }
    : { pending: settle(c, index), failures: [...c.failures, { worker, index, reason: `reply rejected: ${accepted}`, code: 'INVALID_REPLY' }] };
}

/** The ask of worker `index` failed (dead-lettered, crashed worker, no such actor). */
export function onAskError<TReply>(c: GatherContext<TReply>, index: number, error: unknown): Partial<GatherContext<TReply>> {
  if (!c.pending.includes(index)) return {};
  const code = (error as { code?: unknown } | null)?.code;
  const failure: GatherFailure = { worker: workerName(c.workers[index]!), index, reason: error instanceof Error ? toError(error).message : describe(error) };
  if (typeof code === 'string') failure.code = code;
  return { pending: settle(c, index), failures: [...c.failures, failure] };
}

/** The deadline passed: workers without a reply become `ASK_TIMEOUT` failures. */
export function onDeadline<TReply>(plan: GatherPlan<TReply>, c: GatherContext<TReply>): Partial<GatherContext<TReply>> {
  return {
    timedOut: true,
    pending: [],
    failures: [...c.failures, ...c.pending.map((index) => ({ worker: workerName(c.workers[index]!), index, reason: `no reply within ${plan.deadline} ms`, code: 'ASK_TIMEOUT' }))],
  };
}

/** Logs the outcome (built only when the line is written: this runs per gather). */
export function logOutcome(plan: GatherPlan<unknown>, c: GatherContext<unknown>): void {
  const ok = verdictOf(plan, c) === 'ok';
  if (!plan.logger.isLevelEnabled(ok ? 'info' : 'warn')) return;
  const line = { ...eventFields(c.request), ok, results: c.results.length, failures: c.failures.length, timedOut: c.timedOut };
  if (ok) plan.logger.info(line, 'gather done');
  else plan.logger.warn({ ...line, reason: reasonOf(plan.policy, c) }, 'gather failed');
}

/** The output of a gather that ended with `c`. */
export function gatherOutput<TReply>(plan: GatherPlan<TReply>, c: GatherContext<TReply>): GatherOutput<TReply> {
  const taken = plan.policy === 'first-k' ? c.results.slice(0, c.needed) : c.results;
  const ok = verdictOf(plan as GatherPlan<unknown>, c) === 'ok';
  const out: GatherOutput<TReply> = { ok, results: taken, failures: c.failures, timedOut: c.timedOut };
  if (!ok) out.reason = reasonOf(plan.policy, c);
  return out;
}

function workerName(worker: HeldTarget<ActorRef>): string {
  return heldPath(worker) ?? describe(worker);
}

function reasonOf(policy: GatherPolicy, c: GatherContext<unknown>): string {
  const first = c.failures[0];
  const tail = first ? `; first failure: ${first.worker}: ${first.reason}` : '';
  return `${policy} needed ${c.needed} of ${c.workers.length} replies, got ${c.results.length}${c.timedOut ? ' by the deadline' : ''}${tail}`;
}
