/**
 * The workflow half of `arbor check`: a module's `workflows` export (an object of
 * `checkWorkflow` specs) is checked by deterministic simulation, each failure printed as a
 * timeline. Kept apart from `check.ts`, which only calls in here.
 */
import { resolve } from 'node:path';
import { checkWorkflow, formatWorkflowReport } from '../../workflow/index.js';
import type { WorkersStart, WorkflowReport, WorkflowSpec } from '../../workflow/index.js';
import { asCliError, CliError } from '../errors.js';
import type { ModuleExports } from '../load-module.js';

/** The module's workflow specs, or `undefined` when it exports none. */
export function workflowsOf(mod: ModuleExports, path: string): Record<string, WorkflowSpec> | undefined {
  const workflows = mod['workflows'];
  if (workflows === undefined) return undefined;
  if (typeof workflows !== 'object' || workflows === null) throw new CliError('INVALID_MODULE', `${path}: "workflows" must be an object of workflow specs`);
  for (const [name, spec] of Object.entries(workflows)) {
    if (typeof spec !== 'object' || spec === null || !('root' in spec)) throw new CliError('INVALID_MODULE', `${path}: workflows.${name} is not a workflow spec (it has no "root")`);
  }
  return workflows as Record<string, WorkflowSpec>;
}

/**
 * Checks each workflow with the command line's seed, runs and step limit over the spec's own.
 * With `workers` above 1, each is checked on up to that many threads (started as `workersStart`
 * says), whose workers build it from the module's `workflows` export.
 */
export async function checkWorkflows(workflows: Record<string, WorkflowSpec>, overrides: { seed?: number; numRuns?: number; maxSteps?: number }, threads: { module: string; workers?: number | undefined; workersStart?: WorkersStart | undefined }): Promise<WorkflowReport[]> {
  const reports: WorkflowReport[] = [];
  for (const [name, spec] of Object.entries(workflows)) {
    const start = threads.workersStart === undefined ? {} : { workersStart: threads.workersStart };
    const parallel = threads.workers === undefined ? {} : { workers: threads.workers, ...start, source: { module: resolve(threads.module), export: `workflows.${name}` } };
    try {
      reports.push(await checkWorkflow({ ...spec, ...overrides, ...parallel }));
    } catch (err) {
      throw asCliError(err, `workflows.${name}`);
    }
  }
  return reports;
}

/** The text of workflow reports, a failure's timeline under its verdict line. */
export function formatWorkflowReports(reports: readonly WorkflowReport[]): string {
  return reports.map((r) => `${formatWorkflowReport(r).replace(/^ok {2}/, '✓ ').replace(/^FAIL/, '✗')}\n`).join('');
}
