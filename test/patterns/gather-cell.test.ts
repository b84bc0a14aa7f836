import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { SimulatedClock, scatterGather, type ActorRef, type GatherOutput, type GatherPolicy, type PartialFailure } from '../../src/index.js';
import { GatherCell } from '../../src/patterns/gather-cell.js';
import { testSystem } from '../fixtures/workers.js';
import { replier, resultAfter, settle } from './helpers.js';

/** A worker: replies `{ value }`, fails with `code`, or never answers. */
type Behaviour = { reply: number } | { fail: string } | 'silent';

interface Case {
  policy: GatherPolicy;
  onPartialFailure: PartialFailure;
  workers: Behaviour[];
  /** The order in which the workers answer (indices; silent ones never do). */
  order: number[];
}

/** Refs whose asks answer when `release(i)` is called, as each behaviour says. */
function fakeWorkers(workers: Behaviour[]) {
  const releases: (() => void)[] = [];
  const refs = workers.map((b, i) => ({
    path: `arbor://t/w${i}`,
    ask: () =>
      new Promise((resolve, reject) => {
        releases[i] = () => {
          if (b === 'silent') return;
          if ('reply' in b) resolve({ type: 'estimate.done', value: b.reply });
          else reject(Object.assign(new Error(`w${i} failed`), { code: b.fail }));
        };
      }),
  })) as unknown as ActorRef[];
  return { refs, release: (i: number) => releases[i]?.() };
}

const options = (c: Case) => ({
  policy: c.policy,
  onPartialFailure: c.onPartialFailure,
  deadline: 1000,
  ...(c.policy === 'first-k' ? { k: 2 } : {}),
  validate: (r: { value: number }) => (r.value >= 0 ? (true as const) : `value ${r.value} is negative`),
});

async function microtasks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

async function onArbor(c: Case) {
  const t = await testSystem();
  const { refs, release } = fakeWorkers(c.workers);
  const ref = t.system.spawn(scatterGather(options(c)), { id: 'g', input: { workers: refs, request: { type: 'estimate' } } });
  const own = (ref as unknown as { _cell: unknown })._cell instanceof GatherCell;
  const result = ref.result() as Promise<GatherOutput<{ value: number }>>;
  for (const i of c.order) {
    release(i);
    await microtasks();
  }
  t.clock.increment(1000);
  await settle(t.system);
  const out = await result;
  await t.system.shutdown();
  return { own, out };
}

async function onXState(c: Case) {
  const clock = new SimulatedClock();
  const { refs, release } = fakeWorkers(c.workers);
  const actor = createActor(scatterGather(options(c)), { clock, input: { workers: refs, request: { type: 'estimate' } } }).start();
  for (const i of c.order) {
    release(i);
    await microtasks();
  }
  clock.increment(1000);
  await microtasks();
  return actor.getSnapshot().output as GatherOutput<{ value: number }>;
}

const behaviour = fc.oneof(
  fc.integer({ min: -2, max: 5 }).map((reply): Behaviour => ({ reply })),
  fc.constantFrom<Behaviour>({ fail: 'ACTOR_CRASHED' }, 'silent'),
);
const cases = fc
  .record({
    policy: fc.constantFrom<GatherPolicy>('all', 'any', 'quorum', 'first-k'),
    onPartialFailure: fc.constantFrom<PartialFailure>('fail', 'proceed'),
    workers: fc.array(behaviour, { minLength: 0, maxLength: 4 }),
  })
  .chain((c) => fc.shuffledSubarray([...c.workers.keys()], { minLength: c.workers.length, maxLength: c.workers.length }).map((order): Case => ({ ...c, order })));

describe('a gather in its own cell', () => {
  it('decides as the machine does under createActor, for any replies, failures, silences and arrival order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const { own, out } = await onArbor(c);
        expect(own).toBe(true);
        expect(out).toEqual(await onXState(c));
      }),
      { numRuns: 60 },
    );
  });

  it('asks workers named by path, and fails one whose path names no actor with NOT_FOUND', async () => {
    const t = await testSystem();
    t.system.spawn(replier, { id: 'w', input: { value: 7 } });
    const ref = t.system.spawn(scatterGather({ deadline: 1000, onPartialFailure: 'proceed' }), { id: 'g', input: { workers: ['arbor://t/w', 'arbor://t/nobody'], request: { type: 'estimate' } } });
    const out = await resultAfter<GatherOutput<{ value: number }>>(t, ref, [0]);
    expect(out.results.map((r) => [r.worker, r.reply.value])).toEqual([['arbor://t/w', 7]]);
    expect(out.failures).toEqual([expect.objectContaining({ worker: 'arbor://t/nobody', code: 'NOT_FOUND' })]);
  });

  it('shows its state in its snapshot, and dead-letters an ask it cannot take', async () => {
    const t = await testSystem();
    const w = t.system.spawn(replier, { id: 'w', input: { value: 1, delay: 500 } });
    const ref = t.system.spawn(scatterGather({ deadline: 1000 }), { id: 'g', input: { workers: [w], request: { type: 'estimate' } } });
    await settle(t.system);
    expect(ref.getSnapshot()).toMatchObject({ status: 'active', value: 'gathering', context: { pending: [0] } });
    await expect(ref.ask({ type: 'hurry' }, { timeout: 100 })).rejects.toMatchObject({ code: 'UNHANDLED_EVENT' });
    t.clock.increment(500);
    await settle(t.system);
    const out = await ref.result();
    expect(ref.getSnapshot()).toMatchObject({ status: 'done', value: 'done', output: out });
    await t.system.shutdown();
  });

  it('crashes when validate throws, as the machine’s throwing assign does', async () => {
    const t = await testSystem();
    const w = t.system.spawn(replier, { id: 'w', input: { value: 1 } });
    const validate = () => {
      throw new Error('validator broke');
    };
    const ref = t.system.spawn(scatterGather({ deadline: 1000, validate }), { id: 'g', input: { workers: [w], request: { type: 'estimate' } } });
    const result = ref.result();
    result.catch(() => undefined);
    await settle(t.system);
    t.clock.increment(0);
    await settle(t.system);
    await expect(result).rejects.toThrow('validator broke');
    await t.system.shutdown();
  });
});
