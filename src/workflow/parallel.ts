/**
 * The search of a check spread over threads. Runs are known by index (see `search.ts`), so which
 * thread makes a run changes nothing about it: ranges of run indices are handed to whichever lane
 * is free, and the search ends once every run up to the first failing one (the lowest failing
 * index) is done, or every run is. Ranges are small, so little is run past a failure and a slow
 * lane holds up little.
 */
import { LocalLane, WorkerLane, workerInit, type Lane } from './worker-lane.js';
import type { RunFigures } from './search.js';
import { sourceData, specData, specShape } from './source.js';
import type { WorkflowSource, WorkflowSpec } from './types.js';

/** What a parallel search found. */
export interface ParallelSearch {
  /** The figures of runs `0 .. failedAt` (or of every run), in run order. */
  figures: RunFigures[];
  /** The lowest index of a failing run, if one failed. */
  failedAt: number | undefined;
}

/** Runs per range: about eight ranges per lane, at most 32 runs each. */
export function rangeSize(numRuns: number, lanes: number): number {
  return Math.max(1, Math.min(32, Math.ceil(numRuns / (lanes * 8))));
}

/**
 * Makes runs `0 .. numRuns - 1` of `spec`'s check with `seed` on this thread and `workers - 1`
 * worker threads, which are terminated when it ends, whether it succeeds or fails. It waits for
 * every worker to have started, so a source that does not build the spec always fails the check.
 */
export async function searchInParallel<W>(spec: WorkflowSpec<W>, o: { seed: number; numRuns: number; workers: number }): Promise<ParallelSearch> {
  const general = spec as WorkflowSpec<unknown>;
  const init = workerInit(sourceData(spec.source as WorkflowSource), specData(general), specShape(general));
  const lanes: Lane[] = [new LocalLane(general)];
  try {
    for (let i = 1; i < o.workers; i++) lanes.push(new WorkerLane(init));
    const [found] = await Promise.all([searchLanes(lanes, o.seed, o.numRuns), ...lanes.map((l) => l.ready)]);
    return found;
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
  }
}

/** Makes runs `0 .. numRuns - 1` on `lanes`, each lane taking the next range when it is free. */
export function searchLanes(lanes: readonly Lane[], seed: number, numRuns: number): Promise<ParallelSearch> {
  const size = rangeSize(numRuns, lanes.length);
  const byIndex: (RunFigures | undefined)[] = new Array<RunFigures | undefined>(numRuns);
  let next = 0;
  let failedAt: number | undefined;
  /** Runs `0 .. done - 1` have figures. */
  let done = 0;
  let finished = false;
  const end = (): number => (failedAt === undefined ? numRuns : failedAt + 1);
  return new Promise<ParallelSearch>((resolve, reject) => {
    const drive = async (lane: Lane): Promise<void> => {
      await lane.ready;
      while (!finished && next < end()) {
        const start = next;
        const count = Math.min(size, numRuns - start);
        next += count;
        const figures = await lane.run(seed, start, count);
        if (finished) return;
        figures.forEach((f, k) => (byIndex[start + k] = f));
        if (figures.at(-1)?.failed === true) failedAt = Math.min(failedAt ?? numRuns, start + figures.length - 1);
        while (done < end() && byIndex[done] !== undefined) done++;
        if (done >= end()) {
          finished = true;
          resolve({ figures: byIndex.slice(0, end()) as RunFigures[], failedAt });
        }
      }
    };
    for (const lane of lanes) {
      drive(lane).catch((err: unknown) => {
        finished = true;
        reject(err as Error);
      });
    }
  });
}
