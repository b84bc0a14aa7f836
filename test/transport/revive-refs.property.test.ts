/**
 * The receiver never mutates a body it received: reviving `{ $ref }`s copies the objects on the
 * way to a ref, so the decoded body (and so any retry or dead letter of it) keeps its wire form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../../src/runtime/ref.js';
import { reviveRefs } from '../../src/remote/wire-refs.js';

const toRef = (path: string) => ({ path, send: () => undefined }) as unknown as ActorRef;

/** JSON-like values with `{ $ref }`s sprinkled in. */
const withRefs = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.string().map((s) => ({ $ref: `arbor://n/${s}` })),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('reviveRefs', () => {
  it('leaves its input exactly as it was, whatever refs it holds', () => {
    fc.assert(
      fc.property(withRefs, (value) => {
        const before = structuredClone(value);
        reviveRefs(value, toRef);
        expect(value).toEqual(before);
      }),
    );
  });

  it('revives every ref and returns the very input when there is none', () => {
    const body = { type: 'ask', replyTo: { $ref: 'arbor://a/$ask/1' }, items: [{ to: { $ref: 'arbor://a/root/w1' } }], plain: { n: 1 } };
    const revived = reviveRefs(body, toRef);
    expect(revived.replyTo).toMatchObject({ path: 'arbor://a/$ask/1' });
    expect(revived.items[0]!.to).toMatchObject({ path: 'arbor://a/root/w1' });
    expect(revived.plain).toBe(body.plain);
    expect(body.replyTo).toEqual({ $ref: 'arbor://a/$ask/1' });
    const none = { type: 'x', data: [1, 2] };
    expect(reviveRefs(none, toRef)).toBe(none);
  });
});
