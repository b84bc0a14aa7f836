/**
 * The search of a check spread over threads. Runs are known by index (see `search.ts`), so which
 * thread makes a run changes nothing about it: ranges of run indices are handed to whichever lane
 * is free, and the search ends once every run up to the first failing one (the lowest failing
 * index) is done, or every run is. Ranges are small and sized by each lane's speed, so little
 * is run past a failure and a slow lane holds up little. Lanes may join while the search goes
 * on: by default worker threads start only once this thread's runs left would take long enough
 * to pay for them (`worker-start.ts`).
 */
import { performance } from 'node:perf_hooks';
import { LocalLane, WorkerLane, workerInit, type Lane } from './worker-lane.js';
import type { RunFigures } from './search.js';
import { sourceData, specData, specShape } from './source.js';
import { validateSourceHere } from './source-build.js';
import type { WorkflowSource, WorkflowSpec } from './types.js';
import { workersPayOff, workerThreads, type StartProgress, type WorkersStart } from './worker-start.js';

/** What a parallel search found. */
export interface ParallelSearch {
  /** The figures of runs `0 .. failedAt` (or of every run), in run order. */
  figures: RunFigures[];
  /** The lowest index of a failing run, if one failed. */
  failedAt: number | undefined;
}

/** The most runs in one range: about eight ranges per lane, at most 32 runs, so little is run past a failure. */
export function maxRange(numRuns: number, lanes: number): number {
  return Math.max(1, Math.min(32, Math.ceil(numRuns / (lanes * 8))));
}

/** What a range should take a lane, ms: long enough that handing it over costs next to nothing. */
const RANGE_MS = 20;

/**
 * The size of a lane's next range, from how long its last range's runs took (`msPerRun`,
 * `undefined` before its first): a range of about {@link RANGE_MS}, one run to begin with. A
 * worker thread starts cold (its first runs are interpreted, several times slower than this
 * thread's), and a long range taken then would hold the end of the search up. No range takes more
 * than half a lane's share of what is left, so that lanes finish together. Sizes depend on timing;
 * which runs are made, and so the report, do not.
 */
export function nextRange(msPerRun: number | undefined, max: number, left: number, lanes: number): number {
  const fits = msPerRun === undefined ? 1 : Math.floor(RANGE_MS / Math.max(msPerRun, 1e-3));
  return Math.max(1, Math.min(fits, max, Math.ceil(left / (2 * lanes))));
}

/** How a parallel search is run: the seed, the runs, the threads it may use and when it starts them. */
export interface ParallelOptions {
  seed: number;
  numRuns: number;
  workers: number;
  workersStart: WorkersStart;
}

/**
 * Makes runs `0 .. numRuns - 1` of `spec`'s check with `seed` on this thread and up to
 * `workers - 1` worker threads (see `worker-start.ts` for how many, and when they start), which are
 * terminated when it ends, whether it succeeds or fails. Adaptively, the source is first built
 * and checked on this thread (`validateSourceHere`), so a bad one fails the check even when no
 * worker starts; when this thread cannot load it (TypeScript without a loader here), or with
 * `'eager'`, the workers start at once and check it themselves. The search waits for every worker
 * it started to be ready, so a worker that cannot start, or a bad source, fails the check even
 * when this thread made every run first.
 */
export async function searchInParallel<W>(spec: WorkflowSpec<W>, o: ParallelOptions): Promise<ParallelSearch> {
  const general = spec as WorkflowSpec<unknown>;
  const source = sourceData(spec.source as WorkflowSource);
  const init = workerInit(source, specData(general), specShape(general));
  const eager = o.workersStart === 'eager' || !(await validateSourceHere(general, source));
  const threads = workerThreads(o.workers, eager ? 'eager' : 'adaptive');
  const lanes: Lane[] = [new LocalLane(general)];
  const startWorkers = (): Lane[] => {
    const started = Array.from({ length: threads }, () => new WorkerLane(init));
    lanes.push(...started);
    return started;
  };
  try {
    if (eager) startWorkers();
    const began = performance.now();
    const grow = eager || threads === 0 ? undefined : (p: Omit<StartProgress, 'elapsedMs'>): Lane[] => (workersPayOff({ ...p, elapsedMs: performance.now() - began }) ? startWorkers() : []);
    const found = await searchLanes(lanes.slice(), o.seed, o.numRuns, { maxLanes: 1 + threads, grow });
    await Promise.all(lanes.map((l) => l.ready));
    return found;
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
  }
}

/** How the search may grow: the most lanes it will have, and what it asks, after each range of the first lane, for more. */
export interface SearchGrowth {
  maxLanes: number;
  /** More lanes to drive from now on (none: not yet), given the first lane's latest speed and the runs left; not asked again once it gave some. */
  grow?: ((p: { msPerRun: number; left: number }) => readonly Lane[]) | undefined;
}

/**
 * Makes runs `0 .. numRuns - 1` on `lanes` (and on those `growth.grow` adds), each lane taking the
 * next range when it is free.
 */
export function searchLanes(lanes: readonly Lane[], seed: number, numRuns: number, growth: SearchGrowth = { maxLanes: lanes.length }): Promise<ParallelSearch> {
  const max = maxRange(numRuns, growth.maxLanes);
  let grow = growth.grow;
  let active = lanes.length;
  const byIndex: (RunFigures | undefined)[] = new Array<RunFigures | undefined>(numRuns);
  let next = 0;
  let failedAt: number | undefined;
  /** Runs `0 .. done - 1` have figures. */
  let done = 0;
  let finished = false;
  const end = (): number => (failedAt === undefined ? numRuns : failedAt + 1);
  return new Promise<ParallelSearch>((resolve, reject) => {
    const drive = async (lane: Lane, first: boolean): Promise<void> => {
      await lane.ready;
      let msPerRun: number | undefined;
      while (!finished && next < end()) {
        const start = next;
        const count = Math.min(nextRange(msPerRun, max, end() - start, active), numRuns - start);
        next += count;
        const t0 = performance.now();
        const figures = await lane.run(seed, start, count);
        msPerRun = (performance.now() - t0) / Math.max(1, figures.length);
        if (finished) return;
        figures.forEach((f, k) => (byIndex[start + k] = f));
        if (figures.at(-1)?.failed === true) failedAt = Math.min(failedAt ?? numRuns, start + figures.length - 1);
        while (done < end() && byIndex[done] !== undefined) done++;
        if (done >= end()) {
          finished = true;
          resolve({ figures: byIndex.slice(0, end()) as RunFigures[], failedAt });
        } else if (first && grow !== undefined) {
          const added = grow({ msPerRun, left: end() - next });
          if (added.length > 0) grow = undefined;
          active += added.length;
          for (const lane of added) launch(lane, false);
        }
      }
    };
    const launch = (lane: Lane, first: boolean): void => {
      drive(lane, first).catch((err: unknown) => {
        finished = true;
        reject(err as Error);
      });
    };
    lanes.forEach((lane, i) => launch(lane, i === 0));
  });
}
