import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../src/runtime/mailbox.js';

type Op = { op: 'system'; id: number } | { op: 'user'; id: number; urgent: boolean } | { op: 'take' };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('system' as const), id: fc.nat() }),
    fc.record({ op: fc.constant('user' as const), id: fc.nat(), urgent: fc.boolean() }),
    fc.constant({ op: 'take' as const }),
  ),
  { maxLength: 200 },
);

describe('mailbox priorities', () => {
  it('takes every system message first, then the oldest urgent user message, then the oldest normal one', () => {
    fc.assert(
      fc.property(ops, (script: Op[]) => {
        const mailbox = new Mailbox<number, number>({ capacity: Infinity, overflow: 'reject' });
        const model = { system: [] as number[], urgent: [] as number[], normal: [] as number[] };
        for (const o of script) {
          if (o.op === 'system') {
            mailbox.pushSystem(o.id);
            model.system.push(o.id);
          } else if (o.op === 'user') {
            expect(mailbox.offerUser(o.id, o.urgent)).toBeUndefined();
            (o.urgent ? model.urgent : model.normal).push(o.id);
          } else {
            const got = mailbox.take();
            const want = model.system.length ? { system: true, message: model.system.shift() } : model.urgent.length ? { system: false, message: model.urgent.shift() } : model.normal.length ? { system: false, message: model.normal.shift() } : undefined;
            expect(got).toEqual(want);
          }
          expect(mailbox.user.size).toBe(model.urgent.length + model.normal.length);
        }
      }),
    );
  });

  it('keeps a message put back in front (a remote child re-queuing its window) ahead of later urgent ones', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 20 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), (first, later) => {
        const mailbox = new Mailbox<never, string>({ capacity: Infinity, overflow: 'reject' });
        first.forEach((u, i) => mailbox.offerUser(`a${i}`, u));
        const taken = mailbox.user.drain();
        later.forEach((u, i) => mailbox.offerUser(`b${i}`, u));
        for (let i = taken.length - 1; i >= 0; i--) mailbox.unshiftUser(taken[i]!);
        const order = mailbox.user.drain();
        expect(order.slice(0, taken.length)).toEqual(taken);
        const rest = later.map((u, i) => ({ u, id: `b${i}` }));
        expect(order.slice(taken.length)).toEqual([...rest.filter((r) => r.u), ...rest.filter((r) => !r.u)].map((r) => r.id));
      }),
    );
  });
});
