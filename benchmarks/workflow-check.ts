/**
 * Workflow checks (`checkWorkflow`, issue 17): how fast the simulation steps, and how long the
 * search takes to find each planted bug.
 *
 * - `workflow-check steps/s`: simulated steps per second of a whole `checkWorkflow` of the demo's
 *   content workflow (reduced for simulation, `examples/workflows/content.ts`: five agents, crashes
 *   of any of them, retries on timers), building each run's cluster included; the note gives the
 *   rate of the steps alone (the time spent building clusters, measured apart, taken out). The
 *   baseline is the target, 100,000 steps/s.
 * - `workflow-check find <bug>`: ms from the start of `checkWorkflow` to the verdict without
 *   shrinking, and (in the note) with shrinking, the runs it took and the shrunk schedule's length.
 *   Reported against a 1 s budget.
 */
import { performance } from 'node:perf_hooks';
import { checkWorkflow, type WorkflowSpec } from '../src/index.js';
import { Simulation } from '../src/workflow/simulation.js';
import { buggyTransfers } from '../examples/workflows/bank.js';
import { contentWorkflow } from '../examples/workflows/content.js';
import { collectGarbage, median, type Result, type ScenarioOptions } from './harness.js';

const TARGET_STEPS = 100_000;
const FIND_BUDGET_MS = 1_000;

async function stepsPerSecond(runs: number): Promise<{ rate: number; stepRate: number; steps: number }> {
  const spec = contentWorkflow({ numRuns: runs, seed: 1 });
  // Warm-up: the same check once (a different seed), so the timed one runs JIT-compiled code, as
  // the thousand-run checks the target is about do after their first runs.
  await checkWorkflow({ ...spec, seed: 2 });
  collectGarbage();
  const t0 = performance.now();
  const report = await checkWorkflow(spec);
  const ms = performance.now() - t0;
  if (!report.ok) throw new Error(`workflow-check: the content workflow failed: ${JSON.stringify(report.failures[0]?.message)}`);
  // What building the clusters costs, measured apart: the same number of fresh simulations.
  collectGarbage();
  const t1 = performance.now();
  for (let i = 0; i < report.stats.runs; i++) await Simulation.create(spec, false);
  const buildMs = performance.now() - t1;
  return { rate: (report.stats.steps / ms) * 1000, stepRate: (report.stats.steps / Math.max(1, ms - buildMs)) * 1000, steps: report.stats.steps };
}

async function find(spec: WorkflowSpec<never> | WorkflowSpec, repeats: number): Promise<{ findMs: number; shrinkMs: number; runs: number; length: number }> {
  const finds: number[] = [];
  const totals: number[] = [];
  let runs = 0;
  let length = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const quick = await checkWorkflow({ ...(spec as WorkflowSpec), shrink: false });
    finds.push(performance.now() - t0);
    const t1 = performance.now();
    const full = await checkWorkflow(spec as WorkflowSpec);
    totals.push(performance.now() - t1);
    if (quick.ok || full.ok) throw new Error(`workflow-check: ${spec.name} was not found`);
    runs = full.stats.runs;
    length = full.failures[0]?.schedule.length ?? 0;
  }
  return { findMs: median(finds), shrinkMs: median(totals), runs, length };
}

export async function workflowCheck({ quick }: ScenarioOptions): Promise<Result[]> {
  const { rate, stepRate, steps } = await stepsPerSecond(quick ? 40 : 300);
  const results: Result[] = [
    {
      id: 'workflow-check steps/s',
      unit: 'steps/s',
      arbor: rate,
      baseline: TARGET_STEPS,
      baselineName: 'target 100k steps/s',
      ratio: rate / TARGET_STEPS,
      target: 1,
      note: `demo content workflow, ${steps} steps; ${Math.round(stepRate).toLocaleString('en-US')} steps/s without building each run's cluster`,
    },
  ];
  const bugs: [string, WorkflowSpec][] = [
    ['lost money (coordinator crash)', buggyTransfers as WorkflowSpec],
    ['double publish (naive publisher)', contentWorkflow({ naivePublisher: true }) as WorkflowSpec],
  ];
  for (const [name, spec] of bugs) {
    const r = await find(spec, quick ? 1 : 3);
    results.push({
      id: `workflow-check find ${name}`,
      unit: 'ms',
      arbor: r.findMs,
      baseline: FIND_BUDGET_MS,
      baselineName: '1 s budget',
      ratio: FIND_BUDGET_MS / r.findMs,
      note: `found in run ${r.runs}; with shrinking ${Math.round(r.shrinkMs)} ms, to ${r.length} steps`,
    });
  }
  return results;
}
