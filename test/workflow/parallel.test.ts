import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWorkflow, type WorkersStart, type WorkflowReport, type WorkflowSource, type WorkflowSpec } from '../../src/index.js';
import { safeTransfers } from '../../examples/workflows/bank.js';
import { buggyTransfers, contentWorkflow, slowHere, throwsInWorker } from './fixtures/worker-faults.js';

// Worker threads load Arbor from its TypeScript sources (through tsx) before their first run.
const SLOW = { timeout: 120_000 };
const BANK = new URL('../../examples/workflows/bank.ts', import.meta.url);
const CONTENT = new URL('../../examples/workflows/content.ts', import.meta.url);
const FIXTURES = new URL('./fixtures/worker-faults.ts', import.meta.url);

/**
 * `spec` checked on `workers` threads, with the fixtures' mark set (see fixtures/worker-faults.ts)
 * and, unless `start` says otherwise, the workers started with the check: this thread's runs of
 * the fixtures' specs wait for a worker, so workers make runs however short the check. Returns the
 * report and how many runs worker threads made.
 */
async function parallel(spec: WorkflowSpec, workers: number, source: WorkflowSource, workersStart: WorkersStart = 'eager'): Promise<{ report: WorkflowReport; workerRuns: number }> {
  const mark = join(mkdtempSync(join(tmpdir(), 'arbor-parallel-')), 'worker-loaded');
  process.env['ARBOR_TEST_MARK'] = mark;
  try {
    const report = await checkWorkflow({ ...spec, workers, source, workersStart });
    const runs = `${mark}.runs`;
    return { report, workerRuns: existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').length - 1 : 0 };
  } finally {
    delete process.env['ARBOR_TEST_MARK'];
  }
}

/** Runs `body` with `ARBOR_TEST_EXIT` set: a worker thread loading the fixtures exits with code 3. */
async function withExitingWorkers(body: () => Promise<void>): Promise<void> {
  process.env['ARBOR_TEST_EXIT'] = '1';
  try {
    await body();
  } finally {
    delete process.env['ARBOR_TEST_EXIT'];
  }
}

describe('checkWorkflow on several threads', SLOW, () => {
  it('gives the one-thread report, byte for byte, on the planted coordinator bug, for several seeds and thread counts, shrunk or not', async () => {
    for (const [seed, workers, shrink] of [[1, 2, true], [2, 3, true], [5, 2, true], [5, 2, false]] as const) {
      const spec = { ...buggyTransfers, seed, shrink };
      const one = await checkWorkflow(spec);
      expect(one.ok).toBe(false);
      const { report, workerRuns } = await parallel(spec, workers, { module: FIXTURES, export: 'buggyTransfers' });
      expect(workerRuns, 'a worker thread made runs').toBeGreaterThan(0);
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
    expect(workerRuns).toBeGreaterThan(0);
    expect(JSON.stringify(report)).toBe(JSON.stringify(one));
  });

  it('counts every run of a passing workflow as one thread does, from a path and a dotted export', async () => {
    const spec = { ...safeTransfers, seed: 9, numRuns: 60 };
    const one = await checkWorkflow(spec);
    expect(one).toMatchObject({ ok: true, stats: { runs: 60 } });
    const two = await checkWorkflow({ ...spec, workers: 2, workersStart: 'eager', source: { module: BANK.pathname, export: 'workflows.safeTransfers' } });
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
  });

  it('rejects a bad workers count, or workers without a source, with INVALID_SPEC naming the field', async () => {
    await expect(checkWorkflow({ ...safeTransfers, workers: 1.5 })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'workers', value: 1.5 } });
    await expect(checkWorkflow({ ...safeTransfers, workers: 2 })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'source' } });
    await expect(checkWorkflow({ ...safeTransfers, workers: 2, source: { module: BANK, export: '' } })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'source.export' } });
  });

  it('rejects an unknown workersStart with INVALID_SPEC naming the field and the value', async () => {
    const spec = { ...safeTransfers, workers: 2, source: { module: BANK, export: 'safeTransfers' }, workersStart: 'lazy' as WorkersStart };
    await expect(checkWorkflow(spec)).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'workersStart', value: 'lazy' } });
  });

  // Adaptively the calling thread builds the source before its first run (a 3-run check starts
  // no worker); eagerly the workers build it and the check waits for them.
  for (const workersStart of ['adaptive', 'eager'] as const) {
    const spec = { ...safeTransfers, numRuns: 3, workers: 2, workersStart };

    it(`fails with SOURCE_NOT_FOUND naming a module that is not there (${workersStart})`, async () => {
      const module = new URL('./fixtures/no-such-module.ts', import.meta.url);
      await expect(checkWorkflow({ ...spec, source: { module, export: 'safeTransfers' } })).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', details: { module: module.href } });
    });

    it(`fails with SOURCE_INVALID naming an export that is missing, or a source that builds another spec (${workersStart})`, async () => {
      await expect(checkWorkflow({ ...spec, source: { module: BANK, export: 'workflows.nope' } })).rejects.toMatchObject({ code: 'SOURCE_INVALID', message: expect.stringContaining('no export "workflows.nope"') });
      await expect(checkWorkflow({ ...spec, source: { module: CONTENT, export: 'contentWorkflow' } })).rejects.toMatchObject({ code: 'SOURCE_INVALID', message: expect.stringContaining('builds another spec') });
    });
  }

  it('fails with WORKER_FAILED naming the run that threw in a worker thread', async () => {
    const failed = parallel({ ...throwsInWorker, numRuns: 40 }, 2, { module: FIXTURES, export: 'throwsInWorker' });
    await expect(failed).rejects.toMatchObject({ code: 'WORKER_FAILED', message: expect.stringMatching(/^run \d+ of "transfers \(safe coordinator\)" threw: root made in a worker/), details: { run: expect.any(Number) } });
  });

  it('fails with WORKER_FAILED, and does not hang, when a worker thread exits', async () => {
    await withExitingWorkers(async () => {
      const spec = { ...safeTransfers, workers: 2, workersStart: 'eager' as const, source: { module: FIXTURES, export: 'safeTransfers' } };
      await expect(checkWorkflow(spec)).rejects.toMatchObject({ code: 'WORKER_FAILED', details: { exitCode: 3 } });
    });
  });
});

describe('workers started adaptively', SLOW, () => {
  it('starts no worker thread for a short check: one that would exit as it loads fails nothing, and the report is one thread`s', async () => {
    // Five runs: a worker would start only if one of them took this thread over 0.7 s.
    const spec = { ...safeTransfers, seed: 4, numRuns: 5 };
    const one = await checkWorkflow(spec);
    await withExitingWorkers(async () => {
      const many = await checkWorkflow({ ...spec, workers: 4, source: { module: FIXTURES, export: 'safeTransfers' } });
      expect(JSON.stringify(many)).toBe(JSON.stringify(one));
    });
  });

  // With one core there is no thread for a worker besides this one: adaptively, none starts.
  it.skipIf(availableParallelism() < 2)('starts workers once the runs left would take this thread seconds, and gives the one-thread report', async () => {
    const spec = { ...slowHere, seed: 3, numRuns: 100 };
    // slowHere's runs in this thread wait for a worker from the 21st on: a check that never
    // started one would time out here instead of passing.
    const { report, workerRuns } = await parallel(spec, 2, { module: FIXTURES, export: 'slowHere' }, 'adaptive');
    expect(workerRuns, 'a worker thread made runs').toBeGreaterThan(0);
    expect(report).toMatchObject({ ok: true, stats: { runs: 100 } });
    expect(JSON.stringify(report)).toBe(JSON.stringify(await checkWorkflow({ ...safeTransfers, seed: 3, numRuns: 100 })));
  });
});
