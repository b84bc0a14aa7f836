/**
 * The host's per-incarnation sequence ledger against a plain model: whatever order forwards,
 * duplicates, skips and processing come in, each sequence number is taken once, and `processed`
 * is the highest n such that every number from 1 to n was processed or skipped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequenceLedger } from '../../src/remote/sequence-ledger.js';

type Op = { type: 'forward'; seq: number } | { type: 'skip'; seq: number } | { type: 'process' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('forward' as const), seq: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ type: fc.constant('skip' as const), seq: fc.integer({ min: 1, max: 12 }) }),
  fc.constant({ type: 'process' as const }),
);

describe('SequenceLedger', () => {
  it('takes each sequence number once and reports the highest gap-free prefix of processed numbers', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const ledger = new SequenceLedger();
        const mailbox: number[] = []; // accepted, not yet processed, in order
        const known = new Set<number>();
        const done = new Set<number>();
        for (const op of ops) {
          if (op.type === 'forward') {
            const fresh = !known.has(op.seq);
            expect(ledger.accept(op.seq)).toBe(fresh);
            if (fresh) {
              known.add(op.seq);
              mailbox.push(op.seq);
            }
          } else if (op.type === 'skip') {
            const fresh = !known.has(op.seq);
            expect(ledger.skip(op.seq)).toBe(fresh);
            if (fresh) {
              known.add(op.seq);
              done.add(op.seq);
            }
          } else if (mailbox.length > 0) {
            done.add(mailbox.shift() as number);
          }
          ledger.settle(mailbox.length);
          let prefix = 0;
          while (done.has(prefix + 1)) prefix++;
          expect(ledger.processed).toBe(prefix);
          expect(ledger.pending).toBe(mailbox.length);
        }
      }),
    );
  });
});
