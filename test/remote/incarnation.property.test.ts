/**
 * Issue 10, point 10: a remote child's incarnation numbers are unique across process restarts.
 * A cell made later (a node restarted under the same name) starts above every number an earlier
 * cell used, unless that one restarted over 1,000 times per ms of its life.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { incarnationBase } from '../../src/remote/remote-child-cell.js';

it('a cell made at least 1 ms later numbers its incarnations above every one an earlier cell reached with fewer than 1,000 restarts per ms', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: 1_000_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (start, later, share) => {
      const restarts = Math.floor(share * (later * 1000 - 1));
      const old = incarnationBase(start) + 1 + restarts;
      const fresh = incarnationBase(start + later) + 1;
      expect(Number.isSafeInteger(old)).toBe(true);
      expect(fresh).toBeGreaterThan(old);
    }),
  );
});
