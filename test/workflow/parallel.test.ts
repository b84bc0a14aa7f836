import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWorkflow, type WorkflowReport, type WorkflowSource, type WorkflowSpec } from '../../src/index.js';
import { safeTransfers } from '../../examples/workflows/bank.js';
import { buggyTransfers, contentWorkflow, throwsInWorker } from './fixtures/worker-faults.js';

// Worker threads load Arbor from its TypeScript sources (through tsx) before their first run.
const SLOW = { timeout: 120_000 };
const BANK = new URL('../../examples/workflows/bank.ts', import.meta.url);
const CONTENT = new URL('../../examples/workflows/content.ts', import.meta.url);
const FIXTURES = new URL('./fixtures/worker-faults.ts', import.meta.url);

/**
 * `spec` checked on `workers` threads, with the fixtures' mark set (see fixtures/worker-faults.ts):
 * this thread's runs wait for a worker, so workers make runs however short the check; returns the
 * report and how many runs worker threads made.
 */
async function parallel(spec: WorkflowSpec, workers: number, source: WorkflowSource): Promise<{ report: WorkflowReport; workerRuns: boolean }> {
  const mark = join(mkdtempSync(join(tmpdir(), 'arbor-parallel-')), 'worker-loaded');
  process.env['ARBOR_TEST_MARK'] = mark;
  try {
    const report = await checkWorkflow({ ...spec, workers, source });
    return { report, workerRuns: existsSync(`${mark}.runs`) };
  } finally {
    delete process.env['ARBOR_TEST_MARK'];
  }
}

describe('checkWorkflow on several threads', SLOW, () => {
  it('gives the one-thread report, byte for byte, on the planted coordinator bug, for several seeds and thread counts, shrunk or not', async () => {
    for (const [seed, workers, shrink] of [[1, 2, true], [2, 3, true], [5, 2, true], [5, 2, false]] as const) {
      const spec = { ...buggyTransfers, seed, shrink };
      const one = await checkWorkflow(spec);
      expect(one.ok).toBe(false);
      const { report, workerRuns } = await parallel(spec, workers, { module: FIXTURES, export: 'buggyTransfers' });
      expect(workerRuns, 'a worker thread made runs').toBe(true);
      expect(JSON.stringify(report), `seed ${seed}, ${workers} threads, shrink ${shrink}`).toBe(JSON.stringify(one));
    }
  });

  it('finds the naive publisher at the same run and shrinks it to the same schedule, with the calling thread`s seed and runs over the source`s', async () => {
    const spec = contentWorkflow({ naivePublisher: true, seed: 1, numRuns: 40 });
    const one = await checkWorkflow(spec);
    expect(one.ok).toBe(false);
    expect(one.stats.shrinks).toBeGreaterThan(0);
    // The source makes the default spec (seed 42, 100 runs): the spec given here overrides both.
    const { report, workerRuns } = await parallel(spec, 2, { module: FIXTURES, export: 'contentWorkflow', args: [{ naivePublisher: true }] });
    expect(workerRuns).toBe(true);
    expect(JSON.stringify(report)).toBe(JSON.stringify(one));
  });

  it('counts every run of a passing workflow as one thread does, from a path and a dotted export', async () => {
    const spec = { ...safeTransfers, seed: 9, numRuns: 60 };
    const one = await checkWorkflow(spec);
    expect(one).toMatchObject({ ok: true, stats: { runs: 60 } });
    const two = await checkWorkflow({ ...spec, workers: 2, source: { module: BANK.pathname, export: 'workflows.safeTransfers' } });
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
  });

  it('rejects a bad workers count, or workers without a source, with INVALID_SPEC naming the field', async () => {
    await expect(checkWorkflow({ ...safeTransfers, workers: 1.5 })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'workers', value: 1.5 } });
    await expect(checkWorkflow({ ...safeTransfers, workers: 2 })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'source' } });
    await expect(checkWorkflow({ ...safeTransfers, workers: 2, source: { module: BANK, export: '' } })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'source.export' } });
  });

  it('fails with SOURCE_NOT_FOUND naming a module that is not there', async () => {
    const module = new URL('./fixtures/no-such-module.ts', import.meta.url);
    await expect(checkWorkflow({ ...safeTransfers, workers: 2, source: { module, export: 'safeTransfers' } })).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', details: { module: module.href } });
  });

  it('fails with SOURCE_INVALID naming an export that is missing, or a source that builds another spec', async () => {
    await expect(checkWorkflow({ ...safeTransfers, workers: 2, source: { module: BANK, export: 'workflows.nope' } })).rejects.toMatchObject({ code: 'SOURCE_INVALID', message: expect.stringContaining('no export "workflows.nope"') });
    await expect(checkWorkflow({ ...safeTransfers, workers: 2, source: { module: CONTENT, export: 'contentWorkflow' } })).rejects.toMatchObject({ code: 'SOURCE_INVALID', message: expect.stringContaining('builds another spec') });
  });

  it('fails with WORKER_FAILED naming the run that threw in a worker thread', async () => {
    const failed = parallel({ ...throwsInWorker, numRuns: 40 }, 2, { module: FIXTURES, export: 'throwsInWorker' });
    await expect(failed).rejects.toMatchObject({ code: 'WORKER_FAILED', message: expect.stringMatching(/^run \d+ of "transfers \(safe coordinator\)" threw: root made in a worker/), details: { run: expect.any(Number) } });
  });

  it('fails with WORKER_FAILED, and does not hang, when a worker thread exits', async () => {
    process.env['ARBOR_TEST_EXIT'] = '1';
    try {
      await expect(checkWorkflow({ ...safeTransfers, workers: 2, source: { module: FIXTURES, export: 'safeTransfers' } })).rejects.toMatchObject({ code: 'WORKER_FAILED', details: { exitCode: 3 } });
    } finally {
      delete process.env['ARBOR_TEST_EXIT'];
    }
  });
});
