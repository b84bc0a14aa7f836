/** The live workflow buffer: bounded, grouped by correlation id, in causal order, and a tee to the configured journal. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkflowBuffer } from '../../src/observability/workflow-buffer.js';
import type { JournalEntry } from '../../src/index.js';

const entry = (at: number, correlationId: string | undefined, to = 'arbor://n/a', from?: string): JournalEntry => ({
  node: 'n',
  to,
  at,
  event: correlationId === undefined ? { type: 'tick' } : { type: 'step', correlationId },
  ...(from ? { from } : {}),
});

describe('the workflow buffer', () => {
  it('keeps only events with a correlation id, and passes every entry on to the journal behind it', () => {
    const seen: JournalEntry[] = [];
    const buffer = new WorkflowBuffer(100, { append: (e) => seen.push(e) });
    buffer.append(entry(1, 'w1'));
    buffer.append(entry(2, undefined));
    expect(seen).toHaveLength(2);
    expect(buffer.list()).toEqual([{ correlationId: 'w1', steps: 1, first: 1, last: 1 }]);
  });

  it('orders a workflow by time, then by arrival, with its senders', () => {
    const buffer = new WorkflowBuffer(100);
    buffer.append(entry(5, 'w', 'arbor://n/b', 'arbor://n/a'));
    buffer.append(entry(3, 'w', 'arbor://n/a'));
    buffer.append(entry(5, 'w', 'arbor://n/c', 'arbor://n/b'));
    expect(buffer.workflow('w').map((s) => [s.at, s.to, s.from])).toEqual([
      [3, 'arbor://n/a', undefined],
      [5, 'arbor://n/b', 'arbor://n/a'],
      [5, 'arbor://n/c', 'arbor://n/b'],
    ]);
  });

  it('never holds much more than its capacity, and always the newest entries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 400 }), (capacity, n) => {
        const buffer = new WorkflowBuffer(capacity);
        for (let i = 0; i < n; i++) buffer.append(entry(i, `w${i % 7}`));
        const held = buffer.list(1000).reduce((sum, w) => sum + w.steps, 0);
        expect(held).toBeLessThanOrEqual(Math.floor(capacity * 1.1) + 1);
        expect(held).toBeGreaterThanOrEqual(Math.min(n, capacity));
        if (n > 0) expect(Math.max(...buffer.list(1000).map((w) => w.last))).toBe(n - 1);
      }),
    );
  });
});
