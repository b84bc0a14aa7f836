/**
 * An injected crash strikes the one worker it was armed for. Under simulation the workers of one
 * logic share one crash wrapper (made once per logic, across runs and simulations), which knows
 * the armed worker by the XState actor its `transition` is handed: this checks that, with many
 * workers of one logic, a crash of worker `j` while it processes its message crashes `j` alone
 * (every other worker still processes its own), that the crash is spent once it struck, and that
 * simulations one after another and side by side do not see each other's crashes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { arborSystemOf } from '../../src/actors/xstate-system.js';
import { replayWorkflow, supervisor, type Step, type WorkflowSpec } from '../../src/index.js';

/** The work each simulated node processed, by its Arbor system (one per simulation here). */
const done = new Map<object, number[]>();

/** One logic for every worker of every test: the simulation's crash wrapper for it is shared. */
const worker = setup({ types: { events: {} as { type: 'work'; id: number } } }).createMachine({
  on: {
    work: {
      actions: ({ event, system }) => {
        const node = arborSystemOf(system) as object;
        done.set(node, [...(done.get(node) ?? []), event.id]);
      },
    },
  },
});

const spec = (workers: number): WorkflowSpec =>
  ({
    name: 'crash switch',
    root: supervisor({ intensity: 100, period: 1000, children: Array.from({ length: workers }, (_, i) => ({ id: `w${i}`, logic: worker })) }),
    faults: { crash: ['root/*'], maxFaults: 3 },
  }) as WorkflowSpec;

/** Work for every worker, a crash of each worker in `crashed` while it processes it, then a turn of each of the others. */
function schedule(workers: number, crashed: readonly number[]): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < workers; i++) steps.push({ kind: 'input', at: 0, to: `root/w${i}`, event: { type: 'work', id: i } });
  for (const j of crashed) steps.push({ kind: 'crash', at: 0, node: 'a', actor: `a/root/w${j}`, event: 'work' });
  for (let i = 0; i < workers; i++) if (!crashed.includes(i)) steps.push({ kind: 'turn', at: 0, node: 'a', actor: `a/root/w${i}`, event: 'work' });
  return steps;
}

/** The work a run with `crashed` crashed must have processed: everyone else's. */
const survivors = (workers: number, crashed: readonly number[]): number[] => [...Array(workers).keys()].filter((i) => !crashed.includes(i));

const crashes = (workers: number) => fc.uniqueArray(fc.nat({ max: workers - 1 }), { minLength: 1, maxLength: Math.min(3, workers - 1) });
const cases = fc.integer({ min: 2, max: 5 }).chain((workers) => fc.tuple(fc.constant(workers), crashes(workers), crashes(workers)));

const sorted = (lists: number[][]): string[] => lists.map((l) => JSON.stringify([...l].sort())).sort();

describe('injected crashes under simulation', () => {
  it('crash the armed worker alone, once, in run after run', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([workers, first, second]) => {
        for (const crashed of [first, second]) {
          done.clear();
          const report = await replayWorkflow(spec(workers), schedule(workers, crashed));
          expect(report.ok).toBe(true);
          expect(report.stats.faults).toBe(crashed.length);
          expect(sorted([...done.values()])).toEqual(sorted([survivors(workers, crashed)]));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('keep simulations running side by side apart', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([workers, first, second]) => {
        done.clear();
        // Two replays at once: their steps interleave at every await.
        const reports = await Promise.all([first, second].map((crashed) => replayWorkflow(spec(workers), schedule(workers, crashed))));
        expect(reports.map((r) => [r.ok, r.stats.faults])).toEqual([
          [true, first.length],
          [true, second.length],
        ]);
        expect(sorted([...done.values()])).toEqual(sorted([survivors(workers, first), survivors(workers, second)]));
      }),
      { numRuns: 30 },
    );
  });
});
