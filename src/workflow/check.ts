/**
 * `checkWorkflow` searches schedules of a whole actor system for one that breaks a property;
 * `replayWorkflow` runs one recorded schedule again. The search is a fast-check property over
 * (inputs, choices), so fast-check's shrinking turns a failing schedule into a short one: fewer
 * and simpler inputs, fewer faults, and choices closer to the plain default order.
 */
import fc from 'fast-check';
import { DEFAULT_WORKFLOW_CHECK } from './defaults.js';
import { CHOICE_MAX, DEFAULT_MAX_STEPS, runWorkflow } from './run.js';
import { validateSpec } from './simulation.js';
import type { Step, WorkflowInput, WorkflowReport, WorkflowSpec, WorkflowStats } from './types.js';


/** At most this many choices are generated; later steps take the default. */
const MAX_CHOICES = 200;


/**
 * Checks a workflow by deterministic simulation: every run builds the system afresh on simulated
 * nodes, a simulated clock and a simulated broker; fast-check picks the inputs, the order of
 * actor turns and deliveries, timer firings and faults; invariants are checked after every step
 * and `eventually` properties at quiescence. The first failure is shrunk and returned with its
 * schedule. The same spec and seed give the same report, byte for byte.
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
  const maxChoices = Math.min(spec.maxSteps ?? DEFAULT_MAX_STEPS, MAX_CHOICES);
  const inputs: fc.Arbitrary<readonly WorkflowInput[]> = spec.inputs ?? fc.constant([]);
  const choices = fc.array(fc.nat({ max: CHOICE_MAX }), { maxLength: maxChoices, size: 'medium' });
  const stats: WorkflowStats = { runs: 0, steps: 0, quiescent: 0, faults: 0, shrinks: 0 };
  let searching = true;
  const property = fc.asyncProperty(inputs, choices, async (i, c) => {
    const out = await runWorkflow(spec, { inputs: i, choices: c, record: false });
    if (searching) {
      stats.runs++;
      stats.steps += out.steps;
      stats.faults += out.faults;
      if (out.quiescent) stats.quiescent++;
      if (out.failure) searching = false;
    }
    return out.failure === undefined;
  });
  const details = await fc.check(property, { numRuns, seed, endOnFailure: spec.shrink === false });
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
