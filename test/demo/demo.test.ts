/** The `npm start` demo, run in-process with a fixed seed. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../examples/demo/run.js';
import { makePlan, PUBLISH_STEPS, STAGES } from '../../examples/demo/plan.js';
import { percentile } from '../../examples/demo/summary.js';
import { stable, tempOut } from './helpers.js';

const SEED = 42;
const fast = { seed: SEED, speed: 0.2 } as const;

describe('the main demo', () => {
  it('runs the pipeline to a published post, with the injected crash restarted and the failed publish compensated in reverse', async () => {
    const out = await tempOut();
    const s = await runDemo({ ...fast, out });
    const plan = makePlan(SEED);

    expect(s.outcome).toBe('published');
    expect(s.url).toBe('https://blog.example/arbor-launch');
    expect(s.restarts).toBe(1);
    expect(s.crashes).toEqual([{ agent: `root/research/${plan.crashingResearcher}`, reason: expect.stringContaining('injected fault') }]);
    expect(s.researchFailures).toEqual([{ agent: plan.crashingResearcher, attempt: 1, reason: expect.stringContaining('malformed output') }]);

    const [first, second] = s.saga.attempts;
    const compensable = PUBLISH_STEPS.slice(0, -1);
    expect(first).toMatchObject({ attempt: 1, status: 'compensated', failedStep: 'publish_page', compensated: [...compensable].reverse() });
    expect(second).toMatchObject({ attempt: 2, status: 'completed', compensated: [] });
    expect(s.saga.compensations).toBe(compensable.length);

    for (const stage of STAGES) expect(s.latency[stage].n).toBeGreaterThan(0);
    expect(s.latency.research.n).toBe(plan.topics.length);
  });

  it('accounts for every token: each stage draws what its agents reported, and the stages add up to the total', async () => {
    const s = await runDemo({ ...fast, out: await tempOut() });
    const stages = Object.values(s.budget.stages);
    for (const st of stages) {
      expect(st.used).toBe(st.reported);
      expect(st.used).toBeLessThanOrEqual(st.limit);
    }
    expect(stages.reduce((n, st) => n + st.used, 0)).toBe(s.budget.used);
    expect(s.budget.used).toBeGreaterThan(0);
  });

  it('writes Mermaid and SVG diagrams of every machine and the tree, and journals events that all carry their metadata', async () => {
    const out = await tempOut();
    const s = await runDemo({ ...fast, out });
    for (const name of ['planner', 'researcher', 'writer', 'reviewer', 'publisher', 'publishSaga', 'treasury', 'tree']) {
      expect(await readFile(join(out, `${name}.mmd`), 'utf8')).toMatch(/^(stateDiagram-v2|flowchart)/);
      expect(await readFile(join(out, `${name}.svg`), 'utf8')).toContain('<svg');
    }
    expect(s.files).toContain('tree.mmd');

    const journal = (await readFile(join(out, 'journal-owner.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: Record<string, unknown> });
    expect(journal).toHaveLength(s.events.delivered);
    for (const { event } of journal) {
      for (const field of ['id', 'type', 'source', 'correlationId', 'causationId']) expect(typeof event[field]).toBe('string');
      expect(typeof event.time).toBe('number');
      expect(event.correlationId).toBe(s.correlationId);
    }
    expect(new Set(journal.map((j) => j.event.id)).size).toBeGreaterThan(1);
    expect((await readdir(out)).some((f) => f === 'arbor-owner.log')).toBe(true);
  });

  it('is deterministic: two runs with the same seed give the same summary, latencies aside', async () => {
    const a = await runDemo({ ...fast, out: await tempOut() });
    const b = await runDemo({ ...fast, out: await tempOut() });
    expect(stable(b)).toEqual(stable(a));
  });

  it('ends compensated when every publish attempt fails', async () => {
    const s = await runDemo({ ...fast, publishFailures: 2, out: await tempOut() });
    expect(s.outcome).toBe('compensated');
    expect(s.saga.attempts.map((a) => a.status)).toEqual(['compensated', 'compensated']);
    expect(s.url).toBeUndefined();
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });
});
