import { describe, expect, it } from 'vitest';
import { fromPromise } from 'xstate';
import { delegate, delegationTree, supervisor, treeToMermaid, type SupervisorRef } from '../../src/index.js';
import { testSystem } from '../fixtures/workers.js';

const double = fromPromise<number, number>(async ({ input }) => input * 2);
const failing = fromPromise<number, number>(async ({ input }) => {
  throw new Error(`task ${input} cannot be done`);
});

async function root() {
  const t = await testSystem();
  const ref = t.system.spawn(supervisor({ children: [] }), { id: 'root' }) as SupervisorRef;
  return { ...t, ref };
}

describe('delegation', () => {
  it('runs 1,000 leaf tasks through a three-level tree of supervisors and aggregates every result in task order', async () => {
    const { system, ref, trail } = await root();
    const tasks = Array.from({ length: 1000 }, (_, i) => i);
    const out = await delegate(ref, { id: 'job', tasks, leaf: () => double, chunkSize: 10 });
    expect(out.depth).toBe(3);
    expect(out.missing).toEqual([]);
    expect(out.results).toEqual(tasks.map((n) => n * 2));
    // The tree was started dynamically under root, and is gone once done (a temporary child): its
    // exit reaches root as a message of its own, after the result, so once the system is idle.
    expect(trail('child_started').filter((s) => s === 'child_started:job')).toHaveLength(1);
    await system.idle();
    expect(ref.whichChildren()).toEqual([]);
    await system.shutdown();
  });

  it("leaves failed leaves out under 'proceed' and names them", async () => {
    const { system, ref } = await root();
    const out = await delegate(ref, { id: 'job', tasks: [1, 2, 3, 4, 5], leaf: (n) => (n === 4 ? failing : double), chunkSize: 2, onPartialFailure: 'proceed', restart: 'temporary' });
    expect(out.missing).toEqual([3]);
    expect(out.results).toEqual([2, 4, 6, undefined, 10]);
    await system.shutdown();
  });

  it('retries a crashed transient leaf within the group’s restart intensity', async () => {
    const { system, ref } = await root();
    let attempts = 0;
    const flaky = fromPromise<number, number>(async ({ input }) => {
      if (++attempts < 3) throw new Error('flaky');
      return input;
    });
    const out = await delegate(ref, { id: 'job', tasks: [7], leaf: () => flaky, supervision: { intensity: 3 } });
    expect(out.results).toEqual([7]);
    expect(attempts).toBe(3);
    await system.shutdown();
  });

  it("fails the delegation when a leaf fails for good under 'fail'", async () => {
    const { system, ref } = await root();
    const job = delegate(ref, { id: 'job', tasks: [1, 2, 3], leaf: (n) => (n === 2 ? failing : double), chunkSize: 2, restart: 'temporary' });
    await expect(job).rejects.toMatchObject({ code: 'CHILD_FAILED' });
    await system.shutdown();
  });

  it('builds the tree as supervisor logic that can be drawn before it runs', () => {
    const tree = delegationTree({ tasks: [1, 2, 3, 4, 5], leaf: () => double, chunkSize: 2 });
    expect(tree.depth).toBe(3);
    const mermaid = treeToMermaid(tree.logic);
    for (const id of ['g0', 'g1', 'g2', 't4']) expect(mermaid).toContain(id);
    expect(tree.flatten({ g0: { g0: { t0: 'a', t1: 'b' } }, g1: { g2: { t4: 'e' } } })).toEqual({ results: ['a', 'b', undefined, undefined, 'e'], missing: [2, 3] });
  });

  it('rejects bad options, naming the field', () => {
    expect(() => delegationTree({ tasks: [], leaf: () => double })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'tasks' }));
    expect(() => delegationTree({ tasks: [1], leaf: () => double, chunkSize: 1 })).toThrow(expect.objectContaining({ field: 'chunkSize', value: 1 }));
  });
});
