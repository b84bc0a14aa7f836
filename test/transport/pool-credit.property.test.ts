import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PoolCredit, WINDOW } from '../../src/transport/PoolCredit.js';

/** One step of a consumer: a delivery of `weight` arrives, or the deliveries picked by `mask` are acked. */
type Step = { op: 'deliver'; weight: number } | { op: 'ack'; mask: number };

const step = (maxWeight: number): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.record({ op: fc.constant('deliver' as const), weight: fc.integer({ min: 1, max: maxWeight }) }),
    fc.record({ op: fc.constant('ack' as const), mask: fc.integer({ min: 0, max: 2 ** 16 - 1 }) }),
  );

/** Runs `steps` against a credit the way the pool consumer does: weigh, take if it fits, else give back. */
function run(prefetch: number, steps: Step[], check: (credit: PoolCredit, open: Map<number, number>) => void): void {
  const credit = new PoolCredit(prefetch);
  const open = new Map<number, number>();
  let tag = 0;
  for (const s of steps) {
    if (s.op === 'deliver') {
      tag++;
      credit.observe(s.weight);
      if (credit.fits(s.weight)) {
        credit.taken(tag, s.weight);
        open.set(tag, s.weight);
      }
    } else {
      let i = 0;
      for (const t of [...open.keys()]) if ((s.mask >> i++ % 16) & 1) open.delete(t);
      credit.release((t) => open.has(t));
    }
    check(credit, open);
  }
}

describe('PoolCredit properties', () => {
  it('holds at most prefetch pool messages, or one delivery alone; held and open are the sums of what is taken and not acked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 16 }), fc.array(step(16), { maxLength: 300 }), (prefetch, maxWeight, raw) => {
        const steps = raw.map((s) => (s.op === 'deliver' ? { ...s, weight: Math.min(s.weight, maxWeight) } : s));
        run(prefetch, steps, (credit, open) => {
          expect(credit.open).toBe(open.size);
          expect(credit.held).toBe([...open.values()].reduce((a, b) => a + b, 0));
          expect(credit.held <= prefetch || credit.open === 1).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('leaves room for the deliveries the broker may still send: held + (limit - open) x estimate <= max(prefetch, estimate), limit >= 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(step(16), { maxLength: 300 }), (prefetch, steps) => {
        run(prefetch, steps, (credit) => {
          const limit = credit.limit();
          expect(limit).toBeGreaterThanOrEqual(1);
          expect(limit).toBeGreaterThanOrEqual(credit.open);
          if (credit.held <= prefetch) expect(credit.held + (limit - credit.open) * credit.estimate).toBeLessThanOrEqual(Math.max(prefetch, credit.estimate));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('under a steady stream of equal batches that fit, gives back nothing once the first is seen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), (batch, times, acks) => {
        const prefetch = batch * times;
        const credit = new PoolCredit(prefetch);
        credit.observe(batch);
        // A broker that sends while fewer than `limit` deliveries are open, each a full batch.
        const open: number[] = [];
        let tag = 0;
        for (const ack of acks) {
          if (ack && open.length > 0) {
            open.shift();
            credit.release((t) => open.includes(t));
          }
          while (open.length < credit.limit()) {
            credit.observe(batch);
            expect(credit.fits(batch)).toBe(true);
            credit.taken(++tag, batch);
            open.push(tag);
          }
          expect(credit.held).toBeLessThanOrEqual(prefetch);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('PoolCredit', () => {
  it('takes prefetch lone messages, then expects batches as soon as one arrives, and lone ones again two windows after', () => {
    const credit = new PoolCredit(8);
    expect(credit.limit()).toBe(8);
    for (let tag = 1; tag <= 8; tag++) credit.taken(tag, 1);
    expect(credit.limit()).toBe(8);
    expect(credit.fits(1)).toBe(false);
    credit.release((t) => t > 4);
    credit.observe(8);
    // 4 held, room 4: not one more batch of 8 may come.
    expect(credit.estimate).toBe(8);
    expect(credit.limit()).toBe(4);
    expect(credit.fits(8)).toBe(false);
    credit.release(() => false);
    expect(credit.limit()).toBe(1);
    expect(credit.fits(8)).toBe(true);
    for (let i = 0; i < 2 * WINDOW; i++) credit.observe(1);
    expect(credit.estimate).toBe(1);
    expect(credit.limit()).toBe(8);
  });

  it('takes a batch larger than its prefetch only when it holds nothing', () => {
    const credit = new PoolCredit(4);
    credit.observe(6);
    expect(credit.limit()).toBe(1);
    expect(credit.fits(6)).toBe(true);
    credit.taken(1, 6);
    expect(credit.fits(1)).toBe(false);
    expect(credit.limit()).toBe(1);
  });
});
