import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from '../../src/runtime/deque.js';

type Op = { op: 'push' | 'unshift'; v: number } | { op: 'shift' } | { op: 'drain' };

describe('Deque', () => {
  it('behaves as an array under any mix of push, unshift, shift and drain (property)', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('push' as const), v: fc.integer() }),
      fc.record({ op: fc.constant('unshift' as const), v: fc.integer() }),
      fc.record({ op: fc.constant('shift' as const) }),
      fc.record({ op: fc.constant('drain' as const) }),
    );
    fc.assert(
      fc.property(fc.nat(40), fc.array(op as fc.Arbitrary<Op>, { maxLength: 300 }), (initial, ops) => {
        const d = new Deque<number>(initial);
        const model: number[] = [];
        for (const o of ops) {
          if (o.op === 'push') {
            d.push(o.v);
            model.push(o.v);
          } else if (o.op === 'unshift') {
            d.unshift(o.v);
            model.unshift(o.v);
          } else if (o.op === 'shift') expect(d.shift()).toBe(model.shift());
          else expect(d.drain()).toEqual(model.splice(0));
          expect(d.size).toBe(model.length);
          expect(d.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 500 },
    );
  });
});
