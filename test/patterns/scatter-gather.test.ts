import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { checkMachine, createEvent, gatherVerdict, scatterGather, toMermaid, type ActorRef, type GatherOutput, type ScatterGatherOptions } from '../../src/index.js';
import { testSystem } from '../fixtures/workers.js';
import { memoryLogger, replier, resultAfter, type ReplierInput } from './helpers.js';

async function gather(options: ScatterGatherOptions<{ value: number }>, workers: ReplierInput[], advance: number[] = [1000]) {
  const t = await testSystem();
  const refs: ActorRef[] = workers.map((input, i) => t.system.spawn(replier, { id: `w${i}`, input }));
  const ref = t.system.spawn(scatterGather<{ value: number }>(options), { id: 'gather', input: { workers: refs, request: { type: 'estimate' } } });
  const result = await resultAfter<GatherOutput<{ value: number }>>(t, ref, advance);
  return { ...result, values: result.results.map((r) => r.reply.value) };
}

describe('scatterGather', () => {
  it('all: waits for every worker and returns the replies in arrival order', async () => {
    const out = await gather({ deadline: 5000 }, [{ value: 1, delay: 300 }, { value: 2, delay: 100 }, { value: 3, delay: 200 }], [100, 100, 100]);
    expect(out).toMatchObject({ ok: true, timedOut: false, failures: [] });
    expect(out.values).toEqual([2, 3, 1]);
  });

  it('any: ends at the first reply', async () => {
    const out = await gather({ policy: 'any', deadline: 5000 }, [{ value: 1, delay: 300 }, { value: 2, delay: 100 }], [100]);
    expect(out.ok).toBe(true);
    expect(out.values).toEqual([2]);
  });

  it('quorum: ends at a majority by default', async () => {
    const out = await gather({ policy: 'quorum', deadline: 5000 }, [{ value: 1, delay: 100 }, { value: 2, delay: 900 }, { value: 3, delay: 200 }], [100, 100]);
    expect(out.ok).toBe(true);
    expect(out.values).toEqual([1, 3]);
  });

  it('first-k: takes exactly the k fastest replies', async () => {
    const out = await gather({ policy: 'first-k', k: 2, deadline: 5000 }, [1, 2, 3, 4].map((v) => ({ value: v, delay: 500 - v * 100 })), [100, 100, 100, 100]);
    expect(out.values).toEqual([4, 3]);
  });

  it("onPartialFailure 'fail' fails at the first failure and names it", async () => {
    const out = await gather({ deadline: 5000 }, [{ value: 1, delay: 500 }, { mode: 'crash' }], [0]);
    expect(out.ok).toBe(false);
    expect(out.failures).toEqual([expect.objectContaining({ worker: 'arbor://t/w1', index: 1, code: 'ACTOR_CRASHED' })]);
    expect(out.reason).toMatch(/all needed 2 of 2 replies, got 0; first failure: arbor:\/\/t\/w1/);
  });

  it("onPartialFailure 'proceed' leaves a failed worker out under all", async () => {
    const out = await gather({ deadline: 5000, onPartialFailure: 'proceed' }, [{ value: 1, delay: 100 }, { mode: 'crash' }, { value: 3, delay: 100 }], [100]);
    expect(out.ok).toBe(true);
    expect(out.values).toEqual([1, 3]);
    expect(out.failures.map((f) => f.index)).toEqual([1]);
  });

  it("'proceed' fails as soon as the quorum can no longer be met", async () => {
    const out = await gather({ policy: 'quorum', k: 2, deadline: 5000, onPartialFailure: 'proceed' }, [{ mode: 'crash' }, { mode: 'crash' }, { value: 3, delay: 4000 }], [0]);
    expect(out.ok).toBe(false);
    expect(out.timedOut).toBe(false);
  });

  it('at the deadline, silent workers become ASK_TIMEOUT failures; proceed keeps what came in', async () => {
    const out = await gather({ deadline: 1000, onPartialFailure: 'proceed' }, [{ value: 1, delay: 100 }, { mode: 'silent' }], [100, 1000]);
    expect(out).toMatchObject({ ok: true, timedOut: true, failures: [{ index: 1, code: 'ASK_TIMEOUT' }] });
    expect(out.values).toEqual([1]);
  });

  it("at the deadline under 'fail', missing replies fail the gather", async () => {
    const out = await gather({ deadline: 1000 }, [{ value: 1, delay: 100 }, { mode: 'silent' }], [100, 1000]);
    expect(out).toMatchObject({ ok: false, timedOut: true });
  });

  it('rejected replies are failures with the validator’s reason', async () => {
    const out = await gather(
      { deadline: 1000, onPartialFailure: 'proceed', validate: (r: { value: number }) => (r.value > 0 ? true : `value ${r.value} is not positive`) },
      [{ value: -1 }, { value: 2 }],
      [0],
    );
    expect(out.ok).toBe(true);
    expect(out.failures).toEqual([expect.objectContaining({ index: 0, reason: 'reply rejected: value -1 is not positive' })]);
  });

  it('logs the outcome with the request’s correlation and causation ids', async () => {
    const { logger, lines } = memoryLogger();
    const request = createEvent('estimate', null, { source: 'planner', correlationId: 'wf-7' });
    const t = await testSystem();
    const w = t.system.spawn(replier, { id: 'w', input: { value: 1 } });
    const ref = t.system.spawn(scatterGather({ deadline: 1000, logger }), { id: 'g', input: { workers: [w], request } });
    await resultAfter(t, ref, [0]);
    expect(lines.find((l) => l.msg === 'gather done')).toMatchObject({ gather: 'scatterGather', correlationId: 'wf-7', eventId: request.id, ok: true, results: 1 });
  });

  it('decides like a pure function of what came in (verdict table)', () => {
    const c = (results: number, failures: number, pending: number) => ({ results: Array(results), failures: Array(failures), pending: Array(pending) });
    expect(gatherVerdict('all', 'fail', 3, c(2, 0, 1))).toBe('pending');
    expect(gatherVerdict('all', 'fail', 3, c(2, 1, 0))).toBe('failed');
    expect(gatherVerdict('all', 'proceed', 3, c(2, 1, 0))).toBe('ok');
    expect(gatherVerdict('all', 'proceed', 3, c(0, 3, 0))).toBe('failed');
    expect(gatherVerdict('any', 'fail', 1, c(1, 1, 0))).toBe('ok');
    expect(gatherVerdict('quorum', 'proceed', 2, c(1, 1, 1))).toBe('pending');
  });

  it('validates its options, naming the field', () => {
    expect(() => scatterGather({ deadline: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'deadline' }));
    expect(() => scatterGather({ deadline: 10, policy: 'most' as never })).toThrow(expect.objectContaining({ field: 'policy', value: 'most' }));
    expect(() => scatterGather({ deadline: 10, policy: 'first-k' })).toThrow(expect.objectContaining({ field: 'k' }));
  });

  it('is a machine the diagram and check tools accept', async () => {
    const machine = scatterGather({ deadline: 1000, id: 'estimate' });
    expect(toMermaid(machine)).toContain('gathering');
    const never = { path: 'arbor://t/never', ask: () => new Promise(() => undefined) } as unknown as ActorRef;
    const report = await checkMachine(machine, { input: { workers: [never], request: { type: 'estimate' } } });
    expect(report.failures).toEqual([]);
    // With no workers, `all` is met at once.
    expect(createActor(machine, { input: { workers: [], request: { type: 'x' } } }).start().getSnapshot().output).toMatchObject({ ok: true, results: [] });
  });
});
