/**
 * The worker entry of the bundled benchmark run (bundled by `workflow-check.ts` to `check-worker.js`
 * beside the runner's bundle, where a parallel check looks for its worker entry): Arbor's worker
 * entry, and the content workflow the workers build the spec from, in one module, so that the
 * workers run Arbor compiled as it ships and share one copy of it with the workflow.
 */
import '../src/workflow/check-worker.js';
export { contentWorkflow } from '../examples/workflows/content.js';
