import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dedup } from '../../src/transport/Dedup.js';

describe('Dedup properties', () => {
  it('accepts each id once while it is among the last `capacity` distinct ids, and never holds more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 40 }).map(String), { maxLength: 300 }), (capacity, ids) => {
        const dedup = new Dedup(capacity);
        const window: string[] = []; // reference model: the remembered ids, oldest first
        for (const id of ids) {
          const expected = !window.includes(id);
          expect(dedup.accept(id)).toBe(expected);
          if (expected) {
            window.push(id);
            if (window.length > capacity) window.shift();
          }
          expect(dedup.size).toBeLessThanOrEqual(capacity);
          expect(dedup.size).toBe(window.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Dedup', () => {
  it('separates looking from remembering so that an undelivered id can come again', () => {
    const dedup = new Dedup(2);
    expect(dedup.has('a')).toBe(false);
    expect(dedup.has('a')).toBe(false);
    dedup.remember('a');
    expect(dedup.has('a')).toBe(true);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new Dedup(0)).toThrow(RangeError);
  });
});
