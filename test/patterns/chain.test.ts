import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chain, checkMachine, createEvent, toMermaid, type ChainOutput, type ChainStage } from '../../src/index.js';
import { testSystem } from '../fixtures/workers.js';
import { collector, memoryLogger, seen, settle } from './helpers.js';

const stages = (review: ChainStage<string, string>['run'] = async (d) => `${d} (reviewed)`): ChainStage[] =>
  [
    { on: 'research.requested', emit: 'research.done', run: async (d: { topic: string }) => [`notes on ${d.topic}`], validate: (notes: string[]) => notes.length > 0 || 'no notes' },
    { on: 'research.done', emit: 'draft.done', run: async (notes: string[]) => notes.join('; ') },
    { on: 'draft.done', emit: 'review.done', run: review, validate: (text: string) => (text.includes('TODO') ? 'draft still has a TODO' : true) },
    { on: 'review.done', emit: 'article.published', name: 'publish', run: async (text: string) => ({ url: `/a/${text.length}` }) },
  ];

async function runChain(list: ChainStage[]) {
  const { logger, lines } = memoryLogger();
  const t = await testSystem();
  const sink = t.system.spawn(collector, { id: 'sink' });
  const failures = t.system.spawn(collector, { id: 'failures' });
  const ref = t.system.spawn(chain(list, { id: 'article', clock: t.clock, logger }), { id: 'article', input: { sink, onFailure: failures } });
  const start = createEvent('research.requested', { topic: 'actors' }, { source: 'planner', clock: t.clock, correlationId: 'wf-1' });
  ref.send(start);
  await settle(t.system);
  const out = (await ref.result()) as ChainOutput;
  const result = { out, start, emitted: seen(sink), failed: seen(failures), lines };
  await t.system.shutdown();
  return result;
}

describe('chain', () => {
  it('runs each stage on the previous one’s event and emits the next, all in one workflow', async () => {
    const { out, start, emitted } = await runChain(stages());
    expect(out.status).toBe('completed');
    expect(emitted.map((e) => e.type)).toEqual(['research.done', 'draft.done', 'review.done', 'article.published']);
    expect(out.events.map((e) => e.type)).toEqual(['research.requested', ...emitted.map((e) => e.type)]);
    // Each event is caused by the one before it and keeps the workflow's correlation id.
    out.events.slice(1).forEach((e, i) => expect(e).toMatchObject({ correlationId: 'wf-1', causationId: out.events[i]!.id, source: 'article' }));
    expect(out.events[1]!.causationId).toBe(start.id);
    expect(emitted[3]).toMatchObject({ data: { url: '/a/26' } });
  });

  it('routes an output its validator rejects to the failure handler with the reason, and stops there', async () => {
    const { out, emitted, failed, lines } = await runChain(stages(async () => 'TODO: write this'));
    expect(emitted.map((e) => e.type)).toEqual(['research.done', 'draft.done']);
    expect(out).toMatchObject({ status: 'failed', failure: { stage: 'review', kind: 'invalid', reason: 'draft still has a TODO', event: { type: 'draft.done' } } });
    expect(failed).toEqual([expect.objectContaining({ type: 'chain.failed', correlationId: 'wf-1', causationId: out.events[2]!.id, data: expect.objectContaining({ stage: 'review', kind: 'invalid' }) })]);
    expect(lines.find((l) => l.msg === 'chain stage failed')).toMatchObject({ correlationId: 'wf-1', stage: 'review', eventType: 'draft.done' });
  });

  it('routes a stage that throws as an error', async () => {
    const { out } = await runChain(stages(async () => Promise.reject(new Error('reviewer unavailable'))));
    expect(out.failure).toMatchObject({ stage: 'review', kind: 'error', reason: 'reviewer unavailable' });
  });

  it('rejects stages that do not chain, naming the stage', () => {
    const run = () => 1;
    expect(() => chain([{ on: 'a', emit: 'b.done', run }, { on: 'c', emit: 'd.done', run }])).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC', field: 'stages[1].on', value: 'c', message: expect.stringContaining('must be what stages[0] emits ("b.done")') }),
    );
    expect(() => chain([])).toThrow(expect.objectContaining({ field: 'stages' }));
    expect(() => chain([{ on: 'a', emit: 'x.done', run }, { on: 'x.done', emit: 'x.more', run }])).toThrow(expect.objectContaining({ field: 'stages[1].name', value: 'x' }));
  });

  it('is a machine whose diagram is the chain, with no deadlocks', async () => {
    const machine = chain(stages(), { id: 'article' });
    const mermaid = toMermaid(machine);
    for (const s of ['waiting', 'stage_research', 'stage_draft', 'stage_review', 'stage_publish', 'completed', 'failed']) expect(mermaid).toContain(s);
    const { type: _type, ...start } = createEvent('research.requested', { topic: 't' }, { source: 'test' });
    const report = await checkMachine(machine, { events: { 'research.requested': fc.constant(start) } as never });
    expect(report.failures.filter((f) => f.kind === 'deadlock' || f.kind === 'error')).toEqual([]);
  });
});
