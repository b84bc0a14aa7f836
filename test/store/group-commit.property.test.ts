import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../src/store/GroupCommitter.js';
import type { StateChange } from '../../src/store/StateStore.js';
import { RecordingStore } from './recording-store.js';

type Step = { kind: 'commit'; path: string; value: number } | { kind: 'yield'; how: 'microtask' | 'turn' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), path: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.integer({ min: 0, max: 999 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('yield' as const), how: fc.constantFrom('microtask' as const, 'turn' as const) }) },
);

const put = (path: string, value: number): StateChange => ({ op: 'put', record: { path, machine: { id: 'm', version: '1' }, snapshot: value, timers: [] } });

describe('GroupCommitter (property)', () => {
  it('whatever the interleaving of commits, turns, store latency and failed batches: batches keep call order, never overlap, settle each caller by its own batch, and the store ends with the last successful write of each path', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.func(fc.integer({ min: 0, max: 3 })),
        fc.func(fc.boolean()),
        async (steps, maxBatch, delayOf, failOf) => {
          // Roughly one batch in four fails.
          const store = new RecordingStore(
            (n) => delayOf(n),
            (n) => failOf(n) && failOf(n + 1000),
          );
          const committer = new GroupCommitter(store, { maxBatch });
          const calls: { change: StateChange; outcome: Promise<{ ok: boolean; revision?: number; durableAtResolve?: boolean }> }[] = [];
          for (const step of steps) {
            if (step.kind === 'yield') {
              await (step.how === 'turn' ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve());
              continue;
            }
            const change = put(step.path, step.value);
            const outcome = committer.commit(change).then(
              (revision) => ({ ok: true, revision, durableAtResolve: store.durable.has(change) }),
              () => ({ ok: false }),
            );
            calls.push({ change, outcome });
          }
          await committer.flush();
          const outcomes = await Promise.all(calls.map((c) => c.outcome));

          // Every change went to the store exactly once, in call order, in batches of at most maxBatch, one at a time.
          expect(store.batches.flat()).toEqual(calls.map((c) => c.change));
          expect(store.batches.every((b) => b.length >= 1 && b.length <= maxBatch)).toBe(true);
          expect(store.overlapped).toBe(false);

          // Each caller settles as its batch did: resolved only once durable, rejected when its batch failed.
          const model = new Map<string, { value: number; revision: number }>();
          let index = 0;
          store.batches.forEach((batch, n) => {
            const failed = (failOf(n) && failOf(n + 1000)) as boolean;
            for (const change of batch) {
              const outcome = outcomes[index++]!;
              expect(outcome.ok).toBe(!failed);
              if (failed || change.op !== 'put') continue;
              const revision = (model.get(change.record.path)?.revision ?? 0) + 1;
              model.set(change.record.path, { value: change.record.snapshot as number, revision });
              expect(outcome).toEqual({ ok: true, revision, durableAtResolve: true });
            }
          });
          for (const [path, expected] of model) expect((await store.load(path))?.snapshot).toBe(expected.value);
          expect([...store.data.keys()].sort()).toEqual([...model.keys()].sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
