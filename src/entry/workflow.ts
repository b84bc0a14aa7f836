/**
 * The root entry's workflow checks, loaded on first use: the checker pulls in fast-check, which
 * `import 'arbor'` must not pay for. `arbor/workflow` exports the checker itself; the light parts
 * (timeline formatting, defaults) are exported as they are.
 */
import type * as WorkflowModule from '../workflow/index.js';

let loading: Promise<typeof WorkflowModule> | undefined;

function load(): Promise<typeof WorkflowModule> {
  loading ??= import('../workflow/index.js');
  return loading;
}

/** Checks a whole workflow by deterministic simulation; see `arbor/workflow`. Loads the checker on first call. */
export const checkWorkflow: typeof WorkflowModule.checkWorkflow = async (spec) => (await load()).checkWorkflow(spec);

/** Runs a recorded schedule again; see `arbor/workflow`. Loads the checker on first call. */
export const replayWorkflow: typeof WorkflowModule.replayWorkflow = async (spec, schedule) => (await load()).replayWorkflow(spec, schedule);

export { formatTimeline, formatWorkflowReport } from '../workflow/format.js';
export { DEFAULT_WORKFLOW_CHECK } from '../workflow/defaults.js';
