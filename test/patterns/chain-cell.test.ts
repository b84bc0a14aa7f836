import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { chain, createEvent, type ActorRef, type ChainOutput, type ChainStage, type PatternEvent } from '../../src/index.js';
import { ChainCell } from '../../src/patterns/chain-cell.js';
import { testSystem } from '../fixtures/workers.js';
import { settle } from './helpers.js';

type Outcome = 'ok' | 'rejects' | 'throws' | 'invalid';

/** Three stages; stage `i` behaves as `outcomes[i]` says. */
function stagesOf(outcomes: readonly Outcome[]): ChainStage[] {
  const names = ['research', 'draft', 'review'];
  return outcomes.map((outcome, i) => ({
    on: i === 0 ? 'research.requested' : `${names[i - 1]}.done`,
    emit: `${names[i]}.done`,
    run: (data: unknown) => {
      if (outcome === 'throws') throw new Error(`${names[i]} threw`);
      if (outcome === 'rejects') return Promise.reject(new Error(`${names[i]} rejected`));
      return Promise.resolve({ from: data, by: names[i] });
    },
    validate: () => (outcome === 'invalid' ? `${names[i]} refused` : true),
  }));
}

/** What a run gives that does not depend on fresh ids and times. */
function shape(out: ChainOutput, sunk: PatternEvent[], failed: PatternEvent[]) {
  const index = new Map(out.events.map((e, i) => [e.id, i]));
  return {
    status: out.status,
    events: out.events.map((e) => ({ type: e.type, data: e.data, cause: index.get(e.causationId), correlated: e.correlationId === out.events[0]!.correlationId })),
    failure: out.failure && { stage: out.failure.stage, kind: out.failure.kind, reason: out.failure.reason, at: index.get(out.failure.event.id) },
    sunk: sunk.map((e) => e.type),
    failed: failed.map((e) => ({ type: e.type, cause: index.get(e.causationId), stage: (e.data as { stage: string }).stage })),
  };
}

const start = () => createEvent('research.requested', { topic: 'actors' }, { source: 'planner', correlationId: 'wf-1' });

async function onArbor(stages: ChainStage[]) {
  const t = await testSystem();
  const sunk: PatternEvent[] = [];
  const failed: PatternEvent[] = [];
  const ref = t.system.spawn(chain(stages, { id: 'article' }), { id: 'article', input: { sink: { send: (e: PatternEvent) => sunk.push(e) }, onFailure: { send: (e: PatternEvent) => failed.push(e) } } });
  const own = (ref as unknown as { _cell: unknown })._cell instanceof ChainCell;
  ref.send(start());
  const out = (await ref.result()) as ChainOutput;
  await t.system.shutdown();
  return { own, ...shape(out, sunk, failed) };
}

async function onXState(stages: ChainStage[]) {
  const sunk: PatternEvent[] = [];
  const failed: PatternEvent[] = [];
  const actor = createActor(chain(stages, { id: 'article' }), { input: { sink: { send: (e: PatternEvent) => sunk.push(e) }, onFailure: { send: (e: PatternEvent) => failed.push(e) } } }).start();
  actor.send(start());
  const done = await waitFor(actor, (s) => s.status === 'done');
  return shape(done.output as ChainOutput, sunk, failed);
}

describe('a chain in its own cell', () => {
  it('ends as the machine does under createActor, for any stage that succeeds, throws, rejects or is refused (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom<Outcome>('ok', 'rejects', 'throws', 'invalid'), { minLength: 1, maxLength: 3 }), async (outcomes) => {
        const { own, ...arbor } = await onArbor(stagesOf(outcomes));
        expect(own).toBe(true);
        expect(arbor).toEqual(await onXState(stagesOf(outcomes)));
      }),
      { numRuns: 40 },
    );
  });

  it('is an XState worker where the XState actor is needed: durable or inspected', async () => {
    const machine = chain(stagesOf(['ok']), { id: 'article' });
    const inspected = await testSystem({ inspect: () => undefined });
    expect((inspected.system.spawn(machine, { id: 'a' }) as unknown as { _cell: unknown })._cell).not.toBeInstanceOf(ChainCell);
    await inspected.system.shutdown();
    const plain = await testSystem();
    expect((plain.system.spawn(machine, { id: 'a' }) as unknown as { _cell: unknown })._cell).toBeInstanceOf(ChainCell);
    await plain.system.shutdown();
  });

  it('shows each state in its snapshot and to subscribers, and its output at the end', async () => {
    const t = await testSystem();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stages = stagesOf(['ok', 'ok']);
    stages[1]!.run = async () => {
      await gate;
      return 'drafted';
    };
    const ref = t.system.spawn(chain(stages, { id: 'article' }), { id: 'article' });
    const seen: string[] = [];
    ref.subscribe((s) => seen.push((s as { value: string }).value));
    expect(ref.getSnapshot()).toMatchObject({ status: 'active', value: 'waiting' });
    ref.send(start());
    await waitFor(ref as never, (s: { value: string }) => s.value === 'stage_draft');
    expect((ref.getSnapshot() as { context: { events: PatternEvent[] } }).context.events.map((e) => e.type)).toEqual(['research.requested', 'research.done']);
    release();
    const out = (await ref.result()) as ChainOutput;
    expect(ref.getSnapshot()).toMatchObject({ status: 'done', value: 'completed', output: out });
    expect(seen).toEqual(['stage_research', 'stage_draft', 'completed']);
    await t.system.shutdown();
  });

  it('dead-letters an ask no state takes, and one it took but never answered once it ends', async () => {
    const t = await testSystem();
    const ref = t.system.spawn(chain(stagesOf(['ok']), { id: 'article' }), { id: 'article' });
    await expect(ref.ask({ type: 'draft.done' } as never, { timeout: 1000 })).rejects.toMatchObject({ code: 'UNHANDLED_EVENT' });
    const asked = ref.ask(start(), { timeout: 1000 });
    await expect(asked).rejects.toMatchObject({ code: 'ACTOR_STOPPED' });
    expect(t.dead.map((d) => d.reason.code)).toEqual(['UNHANDLED_EVENT', 'ACTOR_STOPPED']);
    await t.system.shutdown();
  });

  it('crashes on a malformed start event, dead-lettering it, as the machine’s throwing assign does', async () => {
    const t = await testSystem();
    const ref = t.system.spawn(chain(stagesOf(['ok']), { id: 'article' }), { id: 'article' });
    ref.send({ type: 'research.requested', data: {} } as never);
    await expect(ref.result()).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(t.dead).toEqual([expect.objectContaining({ reason: expect.objectContaining({ code: 'ACTOR_CRASHED' }) })]);
    await t.system.shutdown();
  });

  it('crashes when its sink throws, as the machine’s throwing action does', async () => {
    const t = await testSystem();
    const sink = { send: () => {
      throw new Error('sink is full');
    } };
    const ref = t.system.spawn(chain(stagesOf(['ok', 'ok']), { id: 'article' }), { id: 'article', input: { sink } });
    ref.send(start());
    await expect(ref.result()).rejects.toThrow('sink is full');
    await t.system.shutdown();
  });

  it('aborts the running stage’s signal when stopped, and takes no late result from it', async () => {
    const t = await testSystem();
    let signal: AbortSignal | undefined;
    let finish: () => void = () => undefined;
    const stages = stagesOf(['ok', 'ok']);
    stages[0]!.run = (_data, _event, s) => {
      signal = s;
      return new Promise((resolve) => (finish = () => resolve('late')));
    };
    const sunk: PatternEvent[] = [];
    const ref: ActorRef = t.system.spawn(chain(stages, { id: 'article' }), { id: 'article', input: { sink: { send: (e: PatternEvent) => sunk.push(e) } } });
    ref.send(start());
    await settle(t.system);
    expect(signal?.aborted).toBe(false);
    const result = ref.result();
    await t.system.shutdown();
    expect(signal?.aborted).toBe(true);
    await expect(result).rejects.toMatchObject({ code: 'SYSTEM_SHUTDOWN' });
    finish();
    await settle(t.system);
    expect(sunk).toEqual([]);
  });
});
