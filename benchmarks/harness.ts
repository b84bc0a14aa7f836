/**
 * Timing helpers shared by the scenarios. Every figure is paired with a baseline measured in the
 * same process, in the same run, with the same warm-up: `compare` interleaves the two sides run by
 * run (alternating which goes first) and forces a full GC before each timed run, so garbage made
 * by one side is never collected on the other side's clock and drift (JIT tiers, heap growth)
 * falls on both alike. Figures are medians over the timed runs.
 */
import { performance } from 'node:perf_hooks';
import type { AnyActorRef } from 'xstate';
import type { ActorRef } from '../src/index.js';

/** One line of the results table and of `results.json`. */
export interface Result {
  id: string;
  unit: string;
  arbor: number;
  baseline: number;
  baselineName: string;
  /** Greater than 1 means Arbor is better, whatever the unit. */
  ratio: number;
  /** The ratio the issue asks for, when there is one (`undefined`: reported only). */
  target?: number;
  /** A short remark for the table (spread, counts, secondary figures). */
  note?: string;
  /** Why the scenario could not run (e.g. `skipped (no broker)`): shown in the table, not written to results.json. */
  skipped?: string;
}

export interface ScenarioOptions {
  /** Counts scaled down (about 10×) so the whole run fits well under a minute. */
  quick: boolean;
}

export type Scenario = (opts: ScenarioOptions) => Promise<Result[]>;

/** A body to time: does its work and resolves once that work is complete. */
export type Body = () => Promise<void> | void;

/** A side of a comparison: `setup` (untimed) returns the timed body and an untimed teardown. */
export interface Side {
  setup(): Promise<{ run: Body; teardown?: () => Promise<void> | void }>;
}

export interface RepeatOptions {
  /** Untimed runs of each side first. */
  warmup: number;
  /** Timed runs of each side; the median is reported. */
  runs: number;
}

/** Forces a full collection when the process runs with `--expose-gc` (the runner makes sure it does). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** Heap in use after a full collection, in bytes. */
export function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile of an ascending array (`p` from 0 to 100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Milliseconds `body` takes, up to the settling of what it returns. */
export async function timeOnce(body: Body): Promise<number> {
  const t0 = performance.now();
  await body();
  return performance.now() - t0;
}

async function runSide(side: Side): Promise<number> {
  const { run, teardown } = await side.setup();
  collectGarbage();
  const ms = await timeOnce(run);
  await teardown?.();
  return ms;
}

/**
 * Times `arbor` and `baseline` alike: `warmup` untimed runs each, then `runs` timed runs each,
 * interleaved and alternating which side goes first. Returns the median ms of each side and
 * the spread (max/min) of each, so a noisy figure shows in the table.
 */
export async function compare(
  arbor: Side,
  baseline: Side,
  { warmup, runs }: RepeatOptions,
): Promise<{ arbor: number; baseline: number; spread: { arbor: number; baseline: number } }> {
  for (let i = 0; i < warmup; i++) {
    await runSide(baseline);
    await runSide(arbor);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      b.push(await runSide(baseline));
      a.push(await runSide(arbor));
    } else {
      a.push(await runSide(arbor));
      b.push(await runSide(baseline));
    }
  }
  const spread = (xs: number[]) => Math.max(...xs) / Math.min(...xs);
  return { arbor: median(a), baseline: median(b), spread: { arbor: spread(a), baseline: spread(b) } };
}

/** A throughput result (`count` operations in the median ms of each side); higher is better. */
export function rateResult(
  fields: { id: string; unit: string; baselineName: string; target?: number; note?: string },
  count: number,
  timing: Awaited<ReturnType<typeof compare>>,
): Result {
  const arbor = count / (timing.arbor / 1000);
  const baseline = count / (timing.baseline / 1000);
  const measured = `n=${count}, spread ${timing.spread.arbor.toFixed(2)}×/${timing.spread.baseline.toFixed(2)}×`;
  return { ...fields, arbor, baseline, ratio: arbor / baseline, note: fields.note ? `${fields.note}; ${measured}` : measured };
}

/** Resolves after the current macrotask, so queued microtask work and `setImmediate` turns run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * An Arbor ref as the target of XState's `sendTo`. XState types that target as one of its own
 * refs, but only ever calls `_send` on it, which Arbor refs implement (delivering to the mailbox).
 */
export function target(ref: ActorRef | undefined): AnyActorRef {
  if (ref === undefined) throw new Error('sendTo target is not set yet');
  return ref as unknown as AnyActorRef;
}
