/**
 * The search of a check as a fast-check property, shared by the one-thread check and the threads
 * of a parallel one. A run is known by its index: fast-check draws run `k`'s inputs and choices
 * from the seed's generator jumped `k + 1` times (`toss`), and `path: "<k>"` starts a check there
 * (`pathWalk` drops the first `k` draws of the same generator), so runs `start .. start + count - 1`
 * of `fc.check(property, { seed, path: String(start), numRuns: count })` are the runs of those
 * indices in `fc.check(property, { seed, numRuns })`, whichever thread makes them.
 */
import fc from 'fast-check';
import { ArborError } from '../runtime/errors.js';
import './error-codes.js';
import { CHOICE_MAX, DEFAULT_MAX_STEPS, runWorkflow } from './run.js';
import type { WorkflowInput, WorkflowSpec, WorkflowStats } from './types.js';

/** At most this many choices are generated; later steps take the default. */
const MAX_CHOICES = 200;

/** What one run of the search did: the figures `stats` adds up. */
export interface RunFigures {
  steps: number;
  faults: number;
  quiescent: boolean;
  failed: boolean;
}

/**
 * The property whose runs are the search's runs: `onRun` hears each run's figures. A run asked
 * for once `stopped()` holds passes without running (a parallel check needs no more of them).
 */
export function workflowProperty<W>(spec: WorkflowSpec<W>, onRun: (figures: RunFigures) => void, stopped?: () => boolean): fc.IAsyncProperty<[readonly WorkflowInput[], number[]]> {
  const maxChoices = Math.min(spec.maxSteps ?? DEFAULT_MAX_STEPS, MAX_CHOICES);
  const inputs: fc.Arbitrary<readonly WorkflowInput[]> = spec.inputs ?? fc.constant([]);
  const choices = fc.array(fc.nat({ max: CHOICE_MAX }), { maxLength: maxChoices, size: 'medium' });
  return fc.asyncProperty(inputs, choices, async (i, c) => {
    if (stopped?.() === true) return true;
    const out = await runWorkflow(spec, { inputs: i, choices: c, record: false });
    onRun({ steps: out.steps, faults: out.faults, quiescent: out.quiescent, failed: out.failure !== undefined });
    return out.failure === undefined;
  });
}

/**
 * Makes runs `start .. start + count - 1` of the check with `seed`, up to the first that fails,
 * and returns their figures in run order (fewer than `count` when one failed, or when `stopped()`
 * came to hold). A run that throws instead of reporting is `WORKER_FAILED`, naming its index.
 */
export async function runRange<W>(spec: WorkflowSpec<W>, seed: number, start: number, count: number, stopped?: () => boolean): Promise<RunFigures[]> {
  const figures: RunFigures[] = [];
  const property = workflowProperty(spec, (f) => figures.push(f), stopped);
  const details = await fc.check(property, { seed, path: String(start), numRuns: count, endOnFailure: true });
  if (details.failed && figures.at(-1)?.failed !== true) {
    const run = start + figures.length;
    const reason = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new ArborError('WORKER_FAILED', `run ${run} of "${spec.name}" threw: ${reason}`, { workflow: spec.name, run, seed });
  }
  return figures;
}

/** Empty stats, to add runs to. */
export const noStats = (): WorkflowStats => ({ runs: 0, steps: 0, quiescent: 0, faults: 0, shrinks: 0 });

/** Adds one run's figures to `stats`. */
export function addRun(stats: WorkflowStats, f: RunFigures): void {
  stats.runs++;
  stats.steps += f.steps;
  stats.faults += f.faults;
  if (f.quiescent) stats.quiescent++;
}
