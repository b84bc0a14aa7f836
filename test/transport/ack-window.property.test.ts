import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AckWindow, type AckOp, type AckVerdict } from '../../src/transport/AckWindow.js';

/** What the broker would do with the ops: the tags each settles (a multiple ack: every unsettled tag up to it). */
function apply(ops: AckOp[], unsettled: Set<number>, settledBy: Map<number, AckVerdict>): void {
  for (const op of ops) {
    const tags = op.op === 'ack' && op.multiple ? [...unsettled].filter((t) => t <= op.tag) : [op.tag];
    for (const t of tags) {
      expect(unsettled.has(t)).toBe(true);
      unsettled.delete(t);
      settledBy.set(t, op.op === 'ack' ? 'ack' : 'requeue');
    }
  }
}

/** n deliveries of a window with `spill`: the order they settle in, each one's verdict, and whether a flush follows each settling. */
const scenario = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    spill: fc.integer({ min: 1, max: 10 }),
    order: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i + 1), { minLength: n, maxLength: n }),
    verdicts: fc.array(fc.constantFrom<AckVerdict>('ack', 'ack', 'ack', 'requeue'), { minLength: n, maxLength: n }),
    flushes: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  }),
);

describe('AckWindow properties', () => {
  it('tells the broker each delivery once, with its own verdict, never one still being worked on', () => {
    fc.assert(
      fc.property(scenario, ({ spill, order, verdicts, flushes }) => {
        const window = new AckWindow(spill);
        const unsettled = new Set<number>();
        const settledBy = new Map<number, AckVerdict>();
        const working = new Set<number>();
        for (let t = 1; t <= order.length; t++) {
          window.delivered(t);
          unsettled.add(t);
          working.add(t);
        }
        order.forEach((tag, i) => {
          window.settle(tag, verdicts[tag - 1] as AckVerdict);
          working.delete(tag);
          if (flushes[i]) {
            const before = new Set(unsettled);
            apply(window.flush(), unsettled, settledBy);
            for (const t of working) expect(unsettled.has(t) || !before.has(t)).toBe(true);
          }
        });
        apply(window.flush(), unsettled, settledBy);
        expect(window.due).toBe(false);
        expect(unsettled.size).toBe(0);
        expect(window.size).toBe(0);
        for (let t = 1; t <= order.length; t++) expect(settledBy.get(t)).toBe(verdicts[t - 1]);
      }),
      { numRuns: 500 },
    );
  });

  it('is due exactly when a requeue waits or `spill` acks do; otherwise its acks may wait for later ones', () => {
    fc.assert(
      fc.property(scenario, ({ spill, order, verdicts, flushes }) => {
        const window = new AckWindow(spill);
        // The model: each delivery's state, as the broker has not been told yet.
        const open = new Map<number, AckVerdict | 'working'>();
        for (let t = 1; t <= order.length; t++) {
          window.delivered(t);
          open.set(t, 'working');
        }
        const expectDue = () => {
          const states = [...open.values()];
          expect(window.due).toBe(states.includes('requeue') || states.filter((v) => v === 'ack').length >= spill);
        };
        order.forEach((tag, i) => {
          window.settle(tag, verdicts[tag - 1] as AckVerdict);
          open.set(tag, verdicts[tag - 1] as AckVerdict);
          expectDue();
          if (flushes[i]) {
            for (const op of window.flush()) {
              for (const t of op.op === 'ack' && op.multiple ? [...open.keys()].filter((k) => k <= op.tag) : [op.tag]) open.delete(t);
            }
            expectDue();
          }
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('AckWindow', () => {
  it('acks deliveries finished out of order with one multiple ack once the first of them is done', () => {
    const window = new AckWindow(8);
    for (let t = 1; t <= 5; t++) window.delivered(t);
    for (const t of [5, 3, 2, 4]) window.settle(t, 'ack');
    expect(window.flush()).toEqual([]);
    window.settle(1, 'ack');
    expect(window.flush()).toEqual([{ op: 'ack', tag: 5, multiple: true }]);
    expect(window.size).toBe(0);
  });

  it('nacks a requeue at once, even behind a delivery still being worked on, and cuts the run of acks there', () => {
    const window = new AckWindow(8);
    for (let t = 1; t <= 4; t++) window.delivered(t);
    window.settle(3, 'requeue');
    expect(window.flush()).toEqual([{ op: 'requeue', tag: 3 }]);
    window.delivered(5);
    window.settle(1, 'ack');
    window.settle(2, 'ack');
    window.settle(4, 'ack');
    window.settle(5, 'requeue');
    expect(window.flush()).toEqual([
      { op: 'ack', tag: 4, multiple: true },
      { op: 'requeue', tag: 5 },
    ]);
  });

  it('acks finished deliveries one by one once `spill` of them wait behind a long one, so that they stop holding prefetch', () => {
    const window = new AckWindow(2);
    for (let t = 1; t <= 4; t++) window.delivered(t);
    window.settle(2, 'ack');
    expect(window.flush()).toEqual([]);
    window.settle(4, 'ack');
    expect(window.flush()).toEqual([
      { op: 'ack', tag: 2, multiple: false },
      { op: 'ack', tag: 4, multiple: false },
    ]);
    window.settle(1, 'ack');
    window.settle(3, 'ack');
    expect(window.flush()).toEqual([{ op: 'ack', tag: 3, multiple: true }]);
  });

  it('ignores a verdict for a tag it does not hold, or given twice', () => {
    const window = new AckWindow(1);
    window.delivered(1);
    window.settle(1, 'requeue');
    window.settle(1, 'ack');
    window.settle(7, 'ack');
    expect(window.flush()).toEqual([{ op: 'requeue', tag: 1 }]);
    expect(window.flush()).toEqual([]);
  });
});
