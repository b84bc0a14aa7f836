import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enumerate } from '../../src/check/domains.js';

/** A description of an arbitrary built only from pieces `enumerate` understands. */
type Shape =
  | { kind: 'int'; min: number; size: number }
  | { kind: 'const'; values: string[] }
  | { kind: 'bool' }
  | { kind: 'tuple'; parts: Shape[] }
  | { kind: 'record'; parts: Shape[] }
  | { kind: 'oneof'; parts: Shape[] }
  | { kind: 'map'; part: Shape }
  | { kind: 'filter'; part: Shape };

const shapes = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('int' as const), min: fc.integer({ min: -5, max: 5 }), size: fc.integer({ min: 2, max: 6 }) }),
    fc.record({ kind: fc.constant('const' as const), values: fc.uniqueArray(fc.string({ maxLength: 2 }), { minLength: 1, maxLength: 4 }) }),
    fc.constant({ kind: 'bool' as const }),
    fc.record({ kind: fc.constant('tuple' as const), parts: fc.array(tie('shape'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ kind: fc.constant('record' as const), parts: fc.array(tie('shape'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ kind: fc.constant('oneof' as const), parts: fc.array(tie('shape'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('map' as const), part: tie('shape') }),
    fc.record({ kind: fc.constant('filter' as const), part: tie('shape') }),
  ),
})).shape;

function build(shape: Shape): Arbitrary<unknown> {
  switch (shape.kind) {
    case 'int':
      return fc.integer({ min: shape.min, max: shape.min + shape.size - 1 });
    case 'const':
      return fc.constantFrom(...shape.values);
    case 'bool':
      return fc.boolean();
    case 'tuple':
      return fc.tuple(...shape.parts.map(build));
    case 'record':
      return fc.record(Object.fromEntries(shape.parts.map((p, i) => [`f${i}`, build(p)])));
    case 'oneof':
      return fc.oneof(...shape.parts.map(build));
    case 'map':
      return build(shape.part).map((v) => ({ wrapped: v }));
    case 'filter':
      // Removes the integer 1 only: every shape still has other values (integer ranges hold at
      // least two), so sampling never runs out of values to keep.
      return build(shape.part).filter((v) => v !== 1);
  }
}

describe('enumeration of small finite arbitraries', () => {
  it('lists every value the arbitrary generates, whenever it lists any', () => {
    fc.assert(
      fc.property(shapes, fc.integer(), (shape, seed) => {
        const arb = build(shape);
        const domain = enumerate(arb, 64);
        if (domain === undefined) return;
        const known = new Set(domain.map((v) => JSON.stringify(v)));
        for (const value of fc.sample(arb, { numRuns: 100, seed })) expect(known.has(JSON.stringify(value))).toBe(true);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('lists only values the arbitrary can generate, for a small domain it samples often enough to see whole', () => {
    const arb = fc.record({ value: fc.integer({ min: 0, max: 8 }), first: fc.boolean() });
    const sampled = new Set(fc.sample(arb, { numRuns: 2000, seed: 3 }).map((v) => JSON.stringify(v)));
    expect(new Set(enumerate(arb, 64)?.map((v) => JSON.stringify(v)))).toEqual(sampled);
  });

  it('does not enumerate domains that are too large or of unknown shape', () => {
    expect(enumerate(fc.integer({ min: 0, max: 1000 }), 64)).toBeUndefined();
    expect(enumerate(fc.string(), 64)).toBeUndefined();
    expect(enumerate(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), 64)).toBeUndefined();
  });
});
