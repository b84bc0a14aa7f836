import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeTransfers } from '../../examples/workflows/bank.js';
import { maxRange, nextRange, searchLanes, type ParallelSearch } from '../../src/workflow/parallel.js';
import { runRange, workflowProperty, type RunFigures } from '../../src/workflow/search.js';
import type { Lane } from '../../src/workflow/worker-lane.js';
import { DEFAULT_WORKER_START, workersPayOff, workerThreads } from '../../src/workflow/worker-start.js';

describe('runs known by index', () => {
  it('makes runs start .. start + count - 1 of a check from its path exactly as the check from run 0 makes them', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.nat({ max: 20 }), fc.integer({ min: 1, max: 6 }), async (seed, start, count) => {
        // The reference: the runs of a one-thread check (no path), as checkWorkflow makes them.
        const all: RunFigures[] = [];
        await fc.check(workflowProperty(safeTransfers, (f) => all.push(f)), { seed, numRuns: start + count });
        expect(await runRange(safeTransfers, seed, start, count)).toEqual(all.slice(start));
      }),
      { numRuns: 12 },
    );
  });
});

/** A run's figures made up from its index: failing at the indices of `failing`. */
const figuresOf = (i: number, failing: ReadonlySet<number>): RunFigures => ({ steps: i, faults: i % 3, quiescent: i % 2 === 0, failed: failing.has(i) });

/** Lanes that make runs as `figuresOf` says, answering in the order the scheduler picks. */
function fakeLanes(s: fc.Scheduler, lanes: number, failing: ReadonlySet<number>): Lane[] {
  return Array.from({ length: lanes }, () => ({
    ready: s.schedule(Promise.resolve()),
    run: (_seed: number, start: number, count: number) => {
      const figures: RunFigures[] = [];
      for (let i = start; i < start + count; i++) {
        figures.push(figuresOf(i, failing));
        if (failing.has(i)) break;
      }
      return s.schedule(Promise.resolve(figures));
    },
    close: () => Promise.resolve(),
  }));
}

describe('the parallel search', () => {
  it('reports the lowest failing run and the figures of every run up to it, whatever order lanes answer in', async () => {
    await fc.assert(
      // Failures close together, so that lanes often answer with a later one before an earlier one.
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), fc.uniqueArray(fc.nat({ max: 40 }), { maxLength: 6 }), async (s, numRuns, lanes, fails) => {
        const failing = new Set(fails);
        let found: ParallelSearch | undefined;
        void searchLanes(fakeLanes(s, lanes, failing), 1, numRuns).then((f) => (found = f));
        await s.waitIdle();
        if (found === undefined) throw new Error('the search did not end once every lane had answered');
        const first = [...failing].filter((i) => i < numRuns).sort((a, b) => a - b)[0];
        expect(found.failedAt).toBe(first);
        const end = first === undefined ? numRuns : first + 1;
        expect(found.figures).toEqual(Array.from({ length: end }, (_, i) => figuresOf(i, failing)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the parallel search with lanes added as it goes', () => {
  it('reports what it reports without them, and is asked for lanes only until it gets some', async () => {
    await fc.assert(
      // `after`: how many ranges of the first lane the search asks about before lanes come.
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 5 }), fc.nat({ max: 12 }), fc.uniqueArray(fc.nat({ max: 40 }), { maxLength: 4 }), async (s, numRuns, added, after, fails) => {
        const failing = new Set(fails);
        let asked = 0;
        let askedAfterLanes = 0;
        const grow = ({ msPerRun, left }: { msPerRun: number; left: number }): Lane[] => {
          expect(msPerRun).toBeGreaterThanOrEqual(0);
          expect(left).toBeGreaterThan(0);
          if (asked++ > after) askedAfterLanes++;
          return asked > after ? fakeLanes(s, added, failing) : [];
        };
        let found: ParallelSearch | undefined;
        void searchLanes(fakeLanes(s, 1, failing), 1, numRuns, { maxLanes: 1 + added, grow }).then((f) => (found = f));
        await s.waitIdle();
        if (found === undefined) throw new Error('the search did not end once every lane had answered');
        const first = [...failing].filter((i) => i < numRuns).sort((a, b) => a - b)[0];
        expect(found.failedAt).toBe(first);
        expect(found.figures).toEqual(Array.from({ length: first === undefined ? numRuns : first + 1 }, (_, i) => figuresOf(i, failing)));
        if (added > 0) expect(askedAfterLanes).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('when workers start', () => {
  it('adaptively: never before this thread has run a while, and only when the runs left would take longer than the bound', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.nat({ max: 100_000 }), (elapsedMs, msPerRun, left) => {
        const pays = workersPayOff({ elapsedMs, msPerRun, left });
        expect(pays).toBe(elapsedMs >= DEFAULT_WORKER_START.decideAfterMs && left * msPerRun > DEFAULT_WORKER_START.minRemainingMs);
        // More runs left, or slower runs, never turn a start into no start.
        if (pays) expect(workersPayOff({ elapsedMs, msPerRun: msPerRun * 2, left: left + 1 })).toBe(true);
      }),
    );
  });

  it('start up to workers - 1 threads: all of them eagerly, no more than the other cores adaptively', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1, max: 64 }), (workers, cores) => {
        expect(workerThreads(workers, 'eager', cores)).toBe(workers - 1);
        const adaptive = workerThreads(workers, 'adaptive', cores);
        expect(adaptive).toBe(Math.min(workers - 1, cores - 1));
      }),
    );
  });
});

describe('range sizes', () => {
  it('start at one run, stay within the cap and half a lane`s share of what is left, and shrink for a slower lane', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 100, noNaN: true }), (numRuns, lanes, left, ms) => {
        const max = maxRange(numRuns, lanes);
        expect(nextRange(undefined, max, left, lanes)).toBe(1);
        const size = nextRange(ms, max, left, lanes);
        expect(size).toBeGreaterThanOrEqual(1);
        expect(size).toBeLessThanOrEqual(Math.max(1, Math.min(max, Math.ceil(left / (2 * lanes)))));
        expect(nextRange(ms * 4, max, left, lanes)).toBeLessThanOrEqual(size);
      }),
    );
  });
});
