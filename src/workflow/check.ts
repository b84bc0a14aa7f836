/**
 * `checkWorkflow` searches schedules of a whole actor system for one that breaks a property;
 * `replayWorkflow` runs one recorded schedule again. The search is a fast-check property over
 * (inputs, choices), so fast-check's shrinking turns a failing schedule into a short one: fewer
 * and simpler inputs, fewer faults, and choices closer to the plain default order.
 */
import fc from 'fast-check';
import { ArborError } from '../runtime/errors.js';
import { DEFAULT_WORKFLOW_CHECK } from './defaults.js';
import { searchInParallel, type ParallelOptions } from './parallel.js';
import { runWorkflow } from './run.js';
import { addRun, noStats, workflowProperty } from './search.js';
import { validateSpec } from './simulation.js';
import type { Step, WorkflowInput, WorkflowReport, WorkflowSpec, WorkflowStats } from './types.js';

/**
 * Checks a workflow by deterministic simulation: every run builds the system afresh on simulated
 * nodes, a simulated clock and a simulated broker; fast-check picks the inputs, the order of
 * actor turns and deliveries, timer firings and faults; invariants are checked after every step
 * and `eventually` properties at quiescence. The first failure is shrunk and returned with its
 * schedule. The same spec and seed give the same report, byte for byte, also when `workers`
 * spreads the runs over threads (each worker builds the spec from `source`; by default workers
 * start only once the runs left are long enough to pay for them, see `workersStart`).
 *
 * @example
 * const report = await checkWorkflow({
 *   name: 'transfers', root: bank, faults: { crash: ['root/coord'] },
 *   inputs: fc.array(fc.record({ to: fc.constant('root/coord'), event: transferArb }), { maxLength: 3 }),
 *   eventually: { 'money is conserved': (view) => total(view) === 200 },
 * });
 * if (!report.ok) console.error(formatWorkflowReport(report));
 */
export async function checkWorkflow<W>(spec: WorkflowSpec<W>): Promise<WorkflowReport> {
  validateSpec(spec as WorkflowSpec<unknown>);
  const seed = spec.seed ?? DEFAULT_WORKFLOW_CHECK.seed;
  const numRuns = spec.numRuns ?? DEFAULT_WORKFLOW_CHECK.numRuns;
  const workers = Math.min(spec.workers ?? 1, numRuns);
  if (workers > 1) return checkInParallel(spec, { seed, numRuns, workers, workersStart: spec.workersStart ?? 'adaptive' });
  const stats = noStats();
  let searching = true;
  const property = workflowProperty(spec, (f) => {
    if (!searching) return;
    addRun(stats, f);
    if (f.failed) searching = false;
  });
  const details = await fc.check(property, { numRuns, seed, endOnFailure: spec.shrink === false });
  return conclude(spec, details, stats, seed);
}

/**
 * The search spread over threads ({@link searchInParallel}) gives the figures of every run up to
 * the first failing one, and its index; that run is then made again here from its index and
 * shrunk, exactly as a one-thread check shrinks it.
 */
async function checkInParallel<W>(spec: WorkflowSpec<W>, o: ParallelOptions): Promise<WorkflowReport> {
  const { seed } = o;
  const { figures, failedAt } = await searchInParallel(spec, o);
  const stats = noStats();
  for (const f of figures) addRun(stats, f);
  if (failedAt === undefined) return { name: spec.name, ok: true, failures: [], stats };
  const details = await fc.check(workflowProperty(spec, () => undefined), { seed, path: String(failedAt), numRuns: 1, endOnFailure: spec.shrink === false });
  if (!details.failed) {
    const { module, export: name } = spec.source ?? {};
    throw new ArborError('SOURCE_INVALID', `run ${failedAt} of "${spec.name}" failed in a worker thread but passes in this one: its source (${String(name)} of ${String(module)}) builds another spec`, { workflow: spec.name, run: failedAt, module: String(module), export: name });
  }
  return conclude(spec, details, stats, seed);
}

/** The report of a finished search: the counterexample (shrunk unless `shrink` is false) run again with its schedule recorded. */
async function conclude<W>(spec: WorkflowSpec<W>, details: fc.RunDetails<[readonly WorkflowInput[], number[]]>, stats: WorkflowStats, seed: number): Promise<WorkflowReport> {
  if (!details.failed || !details.counterexample) return { name: spec.name, ok: true, failures: [], stats };
  stats.shrinks = details.numShrinks;
  const [i, c] = details.counterexample;
  const out = await runWorkflow(spec, { inputs: i, choices: c });
  if (!out.failure) {
    const message = details.errorInstance instanceof Error ? details.errorInstance.message : 'the counterexample did not fail again';
    return { name: spec.name, ok: false, failures: [{ kind: 'error', message, seed, schedule: [], states: {} }], stats };
  }
  return { name: spec.name, ok: false, failures: [{ ...out.failure, seed }], stats };
}

/**
 * Runs a recorded schedule (a failure's `schedule`) again, step by step, and reports what
 * happened: a schedule that failed fails the same way.
 */
export async function replayWorkflow<W>(spec: WorkflowSpec<W>, schedule: readonly Step[]): Promise<WorkflowReport> {
  validateSpec(spec as WorkflowSpec<unknown>);
  const out = await runWorkflow(spec, { replay: schedule });
  const stats: WorkflowStats = { runs: 1, steps: out.steps, quiescent: out.quiescent ? 1 : 0, faults: out.faults, shrinks: 0 };
  const seed = spec.seed ?? DEFAULT_WORKFLOW_CHECK.seed;
  return { name: spec.name, ok: out.failure === undefined, failures: out.failure ? [{ ...out.failure, seed }] : [], stats };
}
