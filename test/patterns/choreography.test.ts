import { describe, expect, it } from 'vitest';
import { choreography, createEvent, idempotent, publisher, reactor } from '../../src/index.js';
import { testSystem } from '../fixtures/workers.js';
import { collector, seen, settle } from './helpers.js';

async function flow() {
  const t = await testSystem();
  const out = publisher(t.system);
  const failures = t.system.spawn(collector, { id: 'failures' });
  const researcher = reactor({ name: 'researcher', emit: 'research.done', clock: t.clock, run: async (d: { topic: string }) => `notes on ${d.topic}` });
  const writer = reactor({
    name: 'writer',
    emit: 'draft.done',
    clock: t.clock,
    run: async (notes: string) => {
      if (notes.includes('forbidden')) throw new Error('cannot write about that');
      return `article: ${notes}`;
    },
  });
  const c = await choreography(t.system, [
    { id: 'researcher', logic: idempotent(researcher), input: { publish: out, onFailure: failures }, topics: ['research.requested'] },
    { id: 'writer', logic: writer, input: { publish: out, onFailure: failures }, topics: ['research.done'] },
  ]);
  const start = (topic: string) => createEvent('research.requested', { topic }, { source: 'planner', clock: t.clock });
  return { ...t, c, out, failures, start };
}

describe('choreography', () => {
  it('passes a workflow along by topic with no coordinator, keeping its correlation', async () => {
    const { system, c, out, start } = await flow();
    const all = await c.join({ id: 'all', logic: collector, topics: ['#'] });
    const e = start('actors');
    out.send(e);
    await settle(system);
    const events = seen<{ type: string; correlationId: string; causationId: string; id: string; data: unknown }>(all);
    expect(events.map((x) => x.type)).toEqual(['research.requested', 'research.done', 'draft.done']);
    expect(events.every((x) => x.correlationId === e.correlationId)).toBe(true);
    expect(events[2]!.causationId).toBe(events[1]!.id);
    expect(events[2]!.data).toBe('article: notes on actors');
    await system.shutdown();
  });

  it('lets a new subscriber join later without touching the producers', async () => {
    const { system, c, out, start } = await flow();
    out.send(start('first'));
    await settle(system);
    const auditor = await c.join({ id: 'auditor', logic: collector, topics: ['*.done'] });
    out.send(start('second'));
    await settle(system);
    expect(seen<{ type: string; data: string }>(auditor).map((x) => `${x.type}:${x.data}`)).toEqual(['research.done:notes on second', 'draft.done:article: notes on second']);
    c.leave();
    out.send(start('third'));
    await settle(system);
    expect(seen(auditor)).toHaveLength(2);
    await system.shutdown();
  });

  it('routes a participant’s failure with its reason and processes a redelivered event once', async () => {
    const { system, c, out, failures, start } = await flow();
    const all = await c.join({ id: 'all', logic: collector, topics: ['#'] });
    const e = start('forbidden things');
    out.send(e);
    out.send(e); // a redelivery: the idempotent researcher skips it
    await settle(system);
    expect(seen<{ type: string }>(all).map((x) => x.type)).toEqual(['research.requested', 'research.requested', 'research.done']);
    expect(seen(failures)).toEqual([
      expect.objectContaining({ type: 'reactor.failed', correlationId: e.correlationId, data: expect.objectContaining({ reactor: 'writer', reason: 'cannot write about that' }) }),
    ]);
    expect((c.refs.writer!.getSnapshot() as { context: { failed: number; handled: number } }).context).toMatchObject({ failed: 1, handled: 0 });
    await system.shutdown();
  });

  it('rejects a reactor without a run function, naming the field', () => {
    expect(() => reactor({ name: 'x', emit: 'y', run: 'nope' as never })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'run' }));
  });
});
