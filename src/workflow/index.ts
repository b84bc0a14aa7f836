/**
 * Property-testing whole workflows by deterministic simulation (`checkWorkflow`,
 * `replayWorkflow`). It builds on the runtime, supervision and actors, and nothing but the
 * package entry point and the CLI imports it. Model and limits: `docs/workflow-simulation.md`.
 */
export { checkWorkflow, replayWorkflow } from './check.js';
export { DEFAULT_WORKFLOW_CHECK } from './defaults.js';
export { formatTimeline, formatWorkflowReport } from './format.js';
export { SimNetwork, SimTransport } from './network.js';
export { SimTime, NodeClock } from './time.js';
export type {
  Step,
  WorkflowSpec,
  WorkflowView,
  WorkflowInput,
  WorkflowFaults,
  WorkflowProperty,
  WorkflowReport,
  WorkflowFailure,
  WorkflowFailureKind,
  WorkflowStats,
  WorkflowSource,
} from './types.js';
export type { WorkersStart } from './worker-start.js';
