/**
 * Workflow checks (`checkWorkflow`, issue 17): how fast the simulation steps, and how long the
 * search takes to find each planted bug.
 *
 * - `workflow-check steps/s`: simulated steps per second of a whole `checkWorkflow` of the demo's
 *   content workflow (reduced for simulation, `examples/workflows/content.ts`: five agents, crashes
 *   of any of them, retries on timers) on one thread, building each run's cluster included; the
 *   note gives the rate of the steps alone (the time spent building clusters, measured apart,
 *   taken out). The baseline is the issue's target, 100,000 steps/s.
 * - `workflow-check parallel steps/s`: the same check (same runs, same seed, the same report, which
 *   is checked) with `workers` = the cores available (`os.availableParallelism()`), workers started
 *   as by default (`workersStart: 'adaptive'`: only once the runs left would take seconds, so on
 *   this short check none should), building the source on this thread included; the note gives
 *   the speed-up over one thread, and that of the same check with every worker started at once
 *   (`'eager'`, as before issue 17's adaptive start), measured in alternated rounds, and what
 *   starting the workers costs. Workers build the spec from the content
 *   workflow's module: from the sources, `examples/workflows/content.ts` through tsx; from the
 *   bundled run, `workflow-check-worker.ts`, bundled here beside the runner's bundle.
 * - `workflow-check find <bug>`: ms from the start of `checkWorkflow` to the verdict without
 *   shrinking, and (in the note) with shrinking, the runs it took and the shrunk schedule's length.
 *   Reported against a 1 s budget.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkWorkflow, type WorkflowSource, type WorkflowSpec } from '../src/index.js';
import { Simulation } from '../src/workflow/simulation.js';
import { buggyTransfers } from '../examples/workflows/bank.js';
import { contentWorkflow } from '../examples/workflows/content.js';
import { bundleAsShipped } from './bundle.js';
import { BENCH_DIR } from './cluster.js';
import { collectGarbage, median, type Result, type ScenarioOptions } from './harness.js';

const TARGET_STEPS = 100_000;
const FIND_BUDGET_MS = 1_000;

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Where the workers get the content workflow. From the sources, its module (workers load it
 * through tsx). From the bundle, the worker entry is `check-worker.js` beside the bundle (see
 * `src/workflow/worker-lane.ts`): it is bundled here from `workflow-check-worker.ts`, which also
 * exports the workflow, so the source is that same module.
 */
async function contentSource(options: { numRuns: number; seed: number }): Promise<WorkflowSource> {
  if (FROM_SOURCE) return { module: join(BENCH_DIR, '..', 'examples', 'workflows', 'content.ts'), export: 'contentWorkflow', args: [options] };
  const entry = join(dirname(fileURLToPath(import.meta.url)), 'check-worker.js');
  await bundleAsShipped(join(BENCH_DIR, 'workflow-check-worker.ts'), entry, { sourcemap: 'linked' });
  return { module: entry, export: 'contentWorkflow', args: [options] };
}

interface Timed {
  ms: number;
  /** CPU time of the whole process (every thread), ms. */
  cpuMs: number;
  json: string;
  steps: number;
}

async function timedCheck(spec: WorkflowSpec): Promise<Timed> {
  collectGarbage();
  const t0 = performance.now();
  const cpu = process.cpuUsage();
  const report = await checkWorkflow(spec);
  const ms = performance.now() - t0;
  const { user, system } = process.cpuUsage(cpu);
  if (!report.ok) throw new Error(`workflow-check: the content workflow failed: ${JSON.stringify(report.failures[0]?.message)}`);
  return { ms, cpuMs: (user + system) / 1000, json: JSON.stringify(report), steps: report.stats.steps };
}

interface Rates {
  /** One thread: steps/s, and without building clusters. */
  rate: number;
  stepRate: number;
  steps: number;
  workers: number;
  /** Workers started adaptively (the default). */
  parallelRate: number;
  /** Parallel over one thread, median of the alternated rounds' ratios: adaptive, and eager. */
  speedup: number;
  eagerSpeedup: number;
  /** CPU time over one thread's, medians of the rounds' ratios: adaptive, and eager (about 1 when no worker started). */
  cpu: number;
  eagerCpu: number;
  /** ms a 2-run check on `workers` threads takes, workers started at once: about their start-up. */
  startMs: number;
}

async function stepsPerSecond(runs: number, rounds: number): Promise<Rates> {
  const options = { numRuns: runs, seed: 1 };
  const spec = contentWorkflow(options) as WorkflowSpec;
  const workers = availableParallelism();
  const parallel: WorkflowSpec = { ...spec, workers, source: await contentSource(options) };
  const eager: WorkflowSpec = { ...parallel, workersStart: 'eager' };
  // Warm-up: the same check once (a different seed), so the timed one runs JIT-compiled code, as
  // the thousand-run checks the target is about do after their first runs. Worker threads start
  // cold in every parallel check: that is part of its cost.
  await checkWorkflow({ ...spec, seed: 2 });
  await checkWorkflow({ ...parallel, seed: 2 });
  await checkWorkflow({ ...eager, seed: 2 });
  const one: number[] = [];
  const many: number[] = [];
  const ratios: number[] = [];
  const eagerRatios: number[] = [];
  const cpu: number[] = [];
  const eagerCpu: number[] = [];
  let steps = 0;
  for (let r = 0; r < rounds; r++) {
    // Rotated, which goes first too, so drift and other load fall on all three alike.
    const order = [spec, parallel, eager];
    const timed = new Map<WorkflowSpec, Timed>();
    for (let k = 0; k < order.length; k++) {
      const s = order[(r + k) % order.length] as WorkflowSpec;
      timed.set(s, await timedCheck(s));
    }
    const [a, b, c] = [spec, parallel, eager].map((s) => timed.get(s) as Timed) as [Timed, Timed, Timed];
    if (a.json !== b.json || a.json !== c.json) throw new Error('workflow-check: the parallel check gave another report than the one-thread check');
    steps = a.steps;
    one.push(a.ms);
    many.push(b.ms);
    ratios.push(a.ms / b.ms);
    eagerRatios.push(a.ms / c.ms);
    cpu.push(b.cpuMs / a.cpuMs);
    eagerCpu.push(c.cpuMs / a.cpuMs);
  }
  // What building the clusters costs, measured apart: the same number of fresh simulations.
  collectGarbage();
  const t1 = performance.now();
  for (let i = 0; i < runs; i++) await Simulation.create(spec, false);
  const buildMs = performance.now() - t1;
  const t2 = performance.now();
  await checkWorkflow({ ...eager, numRuns: 2 });
  const startMs = performance.now() - t2;
  const ms = median(one);
  return { rate: (steps / ms) * 1000, stepRate: (steps / Math.max(1, ms - buildMs)) * 1000, steps, workers, parallelRate: (steps / median(many)) * 1000, speedup: median(ratios), eagerSpeedup: median(eagerRatios), cpu: median(cpu), eagerCpu: median(eagerCpu), startMs };
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
  const r = await stepsPerSecond(quick ? 40 : 300, quick ? 1 : 5);
  const results: Result[] = [
    {
      id: 'workflow-check steps/s',
      unit: 'steps/s',
      arbor: r.rate,
      baseline: TARGET_STEPS,
      baselineName: 'target 100k steps/s',
      ratio: r.rate / TARGET_STEPS,
      target: 1,
      note: `demo content workflow, ${r.steps} steps, one thread; ${Math.round(r.stepRate).toLocaleString('en-US')} steps/s without building each run's cluster`,
    },
    {
      id: 'workflow-check parallel steps/s',
      unit: 'steps/s',
      arbor: r.parallelRate,
      baseline: TARGET_STEPS,
      baselineName: 'target 100k steps/s',
      ratio: r.parallelRate / TARGET_STEPS,
      target: 1,
      note: `the same check with workers = ${r.workers} (available cores), started adaptively (the default: only once the runs left would take over 3 s on one thread), the same report; ${r.speedup.toFixed(2)}x one thread (median of alternated rounds), ${r.cpu.toFixed(2)}x its CPU time; with every worker started at once (workersStart 'eager') ${r.eagerSpeedup.toFixed(2)}x, ${r.eagerCpu.toFixed(2)}x the CPU, a 2-run check then taking ${Math.round(r.startMs)} ms`,
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
