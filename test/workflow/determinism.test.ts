import { describe, expect, it } from 'vitest';
import { checkWorkflow } from '../../src/index.js';
import { buggyTransfers, safeTransfers } from '../../examples/workflows/bank.js';
import { contentWorkflow } from '../../examples/workflows/content.js';

// Whole simulated runs, many of them: generous when the suite shares a loaded machine.
const SLOW = { timeout: 120_000 };

describe('checkWorkflow determinism', SLOW, () => {
  it('gives the same report, byte for byte, for the same seed on a failing workflow', async () => {
    const a = JSON.stringify(await checkWorkflow({ ...buggyTransfers, seed: 3 }));
    const b = JSON.stringify(await checkWorkflow({ ...buggyTransfers, seed: 3 }));
    expect(a).toBe(b);
  });

  it('gives the same report, byte for byte, for the same seed on a distributed workflow with node failures', async () => {
    const spec = contentWorkflow({ distributed: true, numRuns: 25, seed: 11 });
    const a = JSON.stringify(await checkWorkflow(spec));
    const b = JSON.stringify(await checkWorkflow(spec));
    expect(a).toBe(b);
  });

  it('finds the planted bug under other seeds too', async () => {
    for (const seed of [1, 2, 5]) {
      const report = await checkWorkflow({ ...buggyTransfers, seed });
      expect(report.ok, `seed ${seed}`).toBe(false);
    }
  });

  it('rejects a spec with a bad field with INVALID_SPEC naming it', async () => {
    await expect(checkWorkflow({ ...safeTransfers, numRuns: 0 })).rejects.toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('numRuns') });
    await expect(checkWorkflow({ ...safeTransfers, nodes: ['a'] })).rejects.toMatchObject({ code: 'INVALID_SPEC' });
  });
});
