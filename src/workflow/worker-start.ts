/**
 * When a parallel check starts its worker threads. A worker costs far more than its start-up
 * (90-180 ms from `dist` or a bundle, several hundred ms through tsx): its first runs are
 * interpreted, several times slower than a warm thread's, and while it warms up it slows this
 * thread too. On the 2-core machine the benchmarks run on, two threads break even with one on a
 * check of about 1.5-2 s of one thread's work (3,000 runs of the content workflow), so by default
 * (`workersStart: 'adaptive'`) this thread makes runs on its own first, and starts workers only
 * once what is left is projected to take well over that. Timing decides only which thread makes
 * which run, never the report.
 */
import { availableParallelism } from 'node:os';

/** The ways a check with `workers` above 1 may start its worker threads (see `WorkflowSpec.workersStart`). */
export const WORKERS_START = ['adaptive', 'eager'] as const;

/** How a check with `workers` above 1 starts its worker threads. */
export type WorkersStart = (typeof WORKERS_START)[number];

/** Defaults of the adaptive start. */
export const DEFAULT_WORKER_START = {
  /**
   * How long this thread makes runs before deciding, ms: enough ranges for its speed per run to
   * be measured on code past its first, coldest runs; on a long check, little parallel time lost.
   */
  decideAfterMs: 50,
  /**
   * Workers start once the runs left would take this thread longer than this, ms: 1.5-2x the
   * break-even measured on 2 cores (`benchmarks/README.md`, "On several threads"), so that
   * starting them is a clear gain, never a loss, where the projection is a little off.
   */
  minRemainingMs: 3_000,
} as const;

/** What this thread knows when it decides: how long it has made runs, its latest speed, the runs left. */
export interface StartProgress {
  elapsedMs: number;
  msPerRun: number;
  left: number;
}

/** Whether worker threads can pay off now: after `decideAfterMs`, with more than `minRemainingMs` of runs left. */
export function workersPayOff(p: StartProgress, o: { decideAfterMs: number; minRemainingMs: number } = DEFAULT_WORKER_START): boolean {
  return p.elapsedMs >= o.decideAfterMs && p.left * p.msPerRun > o.minRemainingMs;
}

/**
 * How many worker threads a check may start: `workers - 1` when they start eagerly (as asked,
 * however many cores there are); adaptively, no more than the cores besides this thread's, since a
 * thread beyond them makes no run sooner.
 */
export function workerThreads(workers: number, start: WorkersStart, cores: number = availableParallelism()): number {
  return start === 'eager' ? workers - 1 : Math.max(0, Math.min(workers, cores) - 1);
}
