/** `import 'arbor'` does not load the workflow checker (fast-check's search, the simulation) until it is called. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkWorkflow, DEFAULT_WORKFLOW_CHECK } from '../../src/index.js';
import * as workflow from '../../src/workflow/index.js';
import { safeTransfers } from '../../examples/workflows/bank.js';

describe('the root entry and the workflow checker', () => {
  it('loads neither the simulation nor the checker at import', () => {
    const script = fileURLToPath(new URL('../entry/import-root.mjs', import.meta.url));
    const loaded = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 })) as string[];
    expect(loaded.some((url) => url.endsWith('src/entry/workflow.ts'))).toBe(true);
    expect(loaded.filter((url) => /src\/workflow\/(check|run|simulation|network)\.ts$/.test(url))).toEqual([]);
  }, 90_000);

  it('exports a checkWorkflow that loads the checker and gives the same report as arbor/workflow', async () => {
    const spec = { ...safeTransfers, numRuns: 5 };
    expect(JSON.stringify(await checkWorkflow(spec))).toBe(JSON.stringify(await workflow.checkWorkflow(spec)));
    expect(DEFAULT_WORKFLOW_CHECK).toBe(workflow.DEFAULT_WORKFLOW_CHECK);
  });
});
