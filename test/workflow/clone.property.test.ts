/** Inputs are copied per run by a plain-data walk that must give what `structuredClone` gives. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cloneInput } from '../../src/workflow/clone.js';

describe('cloneInput', () => {
  it('copies any JSON-like value to an equal value that shares no object with it', () => {
    fc.assert(
      fc.property(fc.object({ withNullPrototype: true, withBigInt: true }), (value) => {
        const copy = cloneInput(value);
        expect(copy).toEqual(structuredClone(value));
        expect(copy).not.toBe(value);
        expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      }),
    );
  });

  it('gives what structuredClone gives for what is not plain data: dates, maps, shared and cyclic references, sparse arrays', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { type: 'c' };
    cyclic.self = cyclic;
    const sparse: number[] = new Array<number>(3);
    sparse[0] = 1;
    sparse[2] = 3;
    for (const value of [{ at: new Date(5) }, { m: new Map([[1, 2]]) }, { a: shared, b: shared }, cyclic, { xs: sparse }]) {
      const copy = cloneInput(value) as Record<string, unknown>;
      expect(copy).toEqual(structuredClone(value));
      if (value === cyclic) expect(copy.self).toBe(copy);
      if ('a' in value) expect(copy.a).toBe(copy.b);
    }
  });

  it("keeps an own '__proto__' key as a key (as JSON.parse makes it), not as the copy's prototype", () => {
    const value = JSON.parse('{"type":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const copy = cloneInput(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['type', '__proto__']);
    expect(copy).toEqual(structuredClone(value));
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('throws as structuredClone does for a function', () => {
    expect(() => cloneInput({ type: 'f', f: () => 1 })).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
  });
});
