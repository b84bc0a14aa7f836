import { describe, expect, it } from 'vitest';
import { checkWorkflow, formatTimeline, replayWorkflow, type Step, type WorkflowReport } from '../../src/index.js';
import { buggyTransfers, safeTransfers } from '../../examples/workflows/bank.js';
import { contentWorkflow } from '../../examples/workflows/content.js';

// Whole simulated runs, many of them: generous when the suite shares a loaded machine.
const SLOW = { timeout: 120_000 };

const faults = (schedule: readonly Step[]): Step[] => schedule.filter((s) => s.kind === 'crash' || s.kind === 'nodeDown' || s.kind === 'duplicate');

describe('the coordinator that loses money when it crashes between the debit and the credit', SLOW, () => {
  let report: WorkflowReport;

  it('is found within the default number of runs', async () => {
    report = await checkWorkflow(buggyTransfers);
    expect(report.ok).toBe(false);
    expect(report.stats.runs).toBeLessThanOrEqual(100);
    const failure = report.failures[0]!;
    expect(failure.kind).toBe('eventually');
    expect(failure.name).toBe('money is conserved');
  });

  it('is shrunk to one transfer and one crash of the coordinator after the debit, in at most 6 steps', () => {
    const failure = report.failures[0]!;
    expect(failure.schedule.length).toBeLessThanOrEqual(6);
    expect(failure.schedule.filter((s) => s.kind === 'input')).toHaveLength(1);
    const crashes = faults(failure.schedule);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ kind: 'crash', actor: 'a/root/coord' });
    // The crash strikes after the payer was debited, before the payee is credited.
    const debit = failure.schedule.findIndex((s) => s.kind === 'turn' && s.actor === 'a/root/alice' || s.kind === 'turn' && s.actor === 'a/root/bob');
    expect(debit).toBeGreaterThanOrEqual(0);
    expect(failure.schedule.indexOf(crashes[0]!)).toBeGreaterThan(debit);
    expect(formatTimeline(failure)).toContain('CRASH     a/root/coord');
  });

  it('replays to the same failure, byte for byte', async () => {
    const failure = report.failures[0]!;
    const again = await replayWorkflow(buggyTransfers, failure.schedule);
    expect(again.ok).toBe(false);
    expect(JSON.stringify(again.failures[0])).toBe(JSON.stringify(failure));
  });

  it('is not reported for the coordinator that sends the whole transfer in one message', async () => {
    const safe = await checkWorkflow(safeTransfers);
    expect(safe.failures).toEqual([]);
    expect(safe.ok).toBe(true);
    expect(safe.stats.runs).toBe(100);
    expect(safe.stats.faults).toBeGreaterThan(0);
  });
});

describe('the content workflow whose publisher is not idempotent', SLOW, () => {
  const naive = contentWorkflow({ naivePublisher: true });

  it('is found publishing twice, shrunk, and replayed to the same failure', async () => {
    const report = await checkWorkflow(naive);
    expect(report.ok).toBe(false);
    const failure = report.failures[0]!;
    expect(failure).toMatchObject({ kind: 'invariant', name: 'no publish step runs twice' });
    expect(failure.schedule.length).toBeLessThanOrEqual(30);
    // A publish job answered late (a timer fired first) is sent again: two publish turns.
    expect(failure.schedule.filter((s) => s.kind === 'turn' && s.actor === 'a/root/publish' && s.event === 'granted')).toHaveLength(2);
    const again = await replayWorkflow(naive, failure.schedule);
    expect(JSON.stringify(again.failures)).toBe(JSON.stringify(report.failures));
  });
});

describe('a replayed schedule that no longer fits the workflow', () => {
  it('reports where it diverged as an error', async () => {
    const schedule: Step[] = [{ kind: 'turn', at: 0, node: 'a', actor: 'a/root/nobody', event: 'x' }];
    const report = await replayWorkflow(safeTransfers, schedule);
    expect(report.ok).toBe(false);
    expect(report.failures[0]).toMatchObject({ kind: 'error' });
    expect(report.failures[0]!.message).toContain('diverged at step 1');
  });
});
