import { performance } from 'node:perf_hooks';
import { checkWorkflow } from '/work/main/src/index.js';
import { contentWorkflow } from '/work/main/examples/workflows/content.js';
const spec = contentWorkflow({ numRuns: 60, seed: 1 });
await checkWorkflow({ ...spec, numRuns: 10 });
const t0 = performance.now();
const r = await checkWorkflow(spec);
const ms = performance.now() - t0;
console.log('steps', r.stats.steps, 'runs', r.stats.runs, 'ms', ms.toFixed(0), 'steps/s', ((r.stats.steps / ms) * 1000).toFixed(0));
