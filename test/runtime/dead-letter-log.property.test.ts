/** The dead-letter ring grows to its capacity as letters come: it must list what a full-size ring would. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeadLetterLog } from '../../src/runtime/dead-letter-log.js';
import { ArborError } from '../../src/runtime/errors.js';
import type { DeadLetter } from '../../src/runtime/system-events.js';

const letter = (n: number, code: 'ACTOR_CRASHED' | 'MAILBOX_FULL'): DeadLetter => ({
  recipient: `arbor://a/root/w${n % 3}`,
  event: { type: 'e', n },
  reason: new ArborError(code, `letter ${n}`),
  at: n,
});

describe('DeadLetterLog', () => {
  it('lists the last `capacity` letters, newest first, filtered and limited, whatever the capacity and count', () => {
    fc.assert(
      fc.property(fc.nat({ max: 6 }), fc.array(fc.boolean(), { maxLength: 20 }), fc.option(fc.nat({ max: 8 }), { nil: undefined }), fc.boolean(), (capacity, codes, limit, byCode) => {
        const log = new DeadLetterLog(capacity);
        const all = codes.map((crash, n) => letter(n, crash ? 'ACTOR_CRASHED' : 'MAILBOX_FULL'));
        for (const l of all) log.add(l);
        const filter = { ...(limit === undefined ? {} : { limit }), ...(byCode ? { code: 'ACTOR_CRASHED' } : {}) };
        const kept = capacity === 0 ? [] : all.slice(-capacity).reverse();
        const expected = kept.filter((l) => !byCode || l.reason.code === 'ACTOR_CRASHED').slice(0, limit ?? Infinity);
        expect(log.list(filter)).toEqual(expected);
        expect(log.total).toBe(all.length);
      }),
    );
  });
});
