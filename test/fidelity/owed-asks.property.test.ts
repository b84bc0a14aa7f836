/**
 * The rule behind failing owed asks on a crash: the incarnation fails exactly the asks it took,
 * has not answered, and that still wait; and it never remembers more than its bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OwedAsks } from '../../src/actors/owed-asks.js';
import type { ArborEvent } from '../../src/index.js';

type Op = { op: 'took' | 'paid' | 'settled'; ask: number };

const ops = fc.array(fc.record({ op: fc.constantFrom('took' as const, 'paid' as const, 'settled' as const), ask: fc.nat({ max: 7 }) }), { maxLength: 60 });

function run(sequence: Op[], bound: number) {
  const refs = Array.from({ length: 8 }, (_, i) => ({ path: `arbor://n/$ask/${i}` }));
  const waiting = new Set(refs.map((r) => r.path));
  const system = { node: 'n', _pendingAsk: (path: string) => (waiting.has(path) ? refs.find((r) => r.path === path) : undefined) };
  const owed = new OwedAsks(system, bound);
  const model = new Map<number, ArborEvent>();
  let maxSize = 0;
  for (const { op, ask } of sequence) {
    const ref = refs[ask] as { path: string };
    if (op === 'took') {
      const event = { type: 'q', n: ask, replyTo: ref };
      owed.took(ref, event);
      model.delete(ask);
      model.set(ask, event);
    } else if (op === 'paid') {
      owed.paid(ref);
      model.delete(ask);
    } else {
      waiting.delete(ref.path);
    }
    maxSize = Math.max(maxSize, owed.size);
  }
  const expected = [...model.entries()].filter(([ask]) => waiting.has((refs[ask] as { path: string }).path)).map(([, e]) => e);
  return { drained: owed.drain(), expected, maxSize, after: owed.size };
}

describe('owed asks', () => {
  it('drains exactly the asks taken, not answered and still waiting, in the order they were taken', () => {
    fc.assert(
      fc.property(ops, (sequence) => {
        const { drained, expected, after } = run(sequence, 1024);
        expect(drained).toEqual(expected);
        expect(after).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never remembers more than its bound, and what it drains still waits', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 4 }), (sequence, bound) => {
        const { drained, expected, maxSize } = run(sequence, bound);
        expect(maxSize).toBeLessThanOrEqual(bound);
        for (const e of drained) expect(expected).toContain(e);
      }),
      { numRuns: 300 },
    );
  });

  it('forgets in batches: asks it cannot check (from other nodes) cost a bounded number of lookups per take', () => {
    let lookups = 0;
    const owed = new OwedAsks({ node: 'n', _pendingAsk: () => (lookups++, undefined) }, 64);
    for (let i = 0; i < 10_000; i++) owed.took({ path: `arbor://other/$ask/${i}` }, { type: 'q' });
    expect(owed.size).toBeLessThanOrEqual(64);
    // A pass over the whole map on every take past the bound would make about 65 lookups per take.
    expect(lookups).toBeLessThan(10_000 * 5);
  });
});
