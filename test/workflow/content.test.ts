import { describe, expect, it } from 'vitest';
import { checkWorkflow } from '../../src/index.js';
import { contentWorkflow } from '../../examples/workflows/content.js';

// Whole simulated runs, many of them: generous when the suite shares a loaded machine.
const SLOW = { timeout: 120_000 };

describe('the content workflow under crashes of each agent', SLOW, () => {
  it('ends every workflow published or compensated, within the budget, publishing once', async () => {
    const report = await checkWorkflow(contentWorkflow({ numRuns: 60 }));
    expect(report.failures).toEqual([]);
    expect(report.stats.faults).toBeGreaterThan(0);
    expect(report.stats.quiescent).toBeGreaterThan(0);
  });

  it('keeps its invariants with the agents on nodes b and c, nodes going down and coming back', async () => {
    const report = await checkWorkflow(contentWorkflow({ distributed: true, numRuns: 40 }));
    expect(report.failures).toEqual([]);
    expect(report.stats.faults).toBeGreaterThan(0);
  });
});
