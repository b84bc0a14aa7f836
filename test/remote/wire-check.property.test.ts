import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wireProblem } from '../../src/remote/wire-check.js';
import { decodeFrame, encodeEnvelope } from '../../src/transport/codec.js';

class Money {
  constructor(readonly cents: number) {}
}

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.date(),
  fc.uint8Array({ maxLength: 4 }),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.integer().map((n) => new Money(n)),
  fc.string().map((m) => new Error(m)),
  fc.constant(/re/),
);

const { payload } = fc.letrec<{ payload: unknown; node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('payload')),
  payload: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 3 }), fc.constant('__proto__')), tie('node'), { maxKeys: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 2 }).map((o) => Object.assign(Object.create(null) as object, o)),
    fc.array(fc.tuple(fc.string({ maxLength: 2 }), tie('node')), { maxLength: 2 }).map((kv) => new Map(kv)),
    fc.array(fc.integer(), { maxLength: 3 }).map((xs) => new Set(xs)),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((xs) => {
      const sparse = [...xs];
      delete sparse[0];
      return sparse;
    }),
  ),
}));

/** What the receiver sees: the body after encoding and decoding, or `'unencodable'`. */
function overTheWire(body: unknown): unknown {
  let bytes: Buffer;
  try {
    bytes = encodeEnvelope({ id: 'm1', to: 'arbor://b/w', kind: 'user', body, sentAt: 0 });
  } catch {
    return 'unencodable';
  }
  const decoded = decodeFrame(bytes);
  return decoded.ok && decoded.frame.t === 'env' ? decoded.frame.envelope.body : 'undecodable';
}

/** `value` as the rule says it arrives: `-0` as `0`, bytes as a `Buffer`, a null prototype as a plain object. */
function asDocumented(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(asDocumented);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return value; // a class instance stays itself
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asDocumented(v)]));
}

describe('what may cross to another node', () => {
  it('accepts exactly the payloads that arrive unchanged: whatever it accepts round-trips, whatever it rejects would not', () => {
    fc.assert(
      fc.property(payload, (body) => {
        const problem = wireProblem(body);
        const received = overTheWire(body);
        if (problem === undefined) expect(isDeepStrictEqual(received, asDocumented(body))).toBe(true);
        else expect(isDeepStrictEqual(received, asDocumented(body))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('names the field that cannot travel', () => {
    expect(wireProblem({ type: 'put', items: new Map([['a', 1]]) })).toEqual({ field: 'event.items', problem: 'is a Map, not a plain object' });
    expect(wireProblem({ type: 'put', cb: () => 1 })).toEqual({ field: 'event.cb', problem: 'is a function' });
    expect(wireProblem({ type: 'put', list: [1, { at: new Set() }] })).toEqual({ field: 'event.list[1].at', problem: 'is a Set, not a plain object' });
    expect(wireProblem({ type: 'put', when: new Date(0), n: 5n, bytes: new Uint8Array([1]) })).toBeUndefined();
  });
});
