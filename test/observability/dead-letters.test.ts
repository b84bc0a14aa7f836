import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { ArborError } from '../../src/runtime/errors.js';
import { DeadLetterLog, type DeadLetterFilter } from '../../src/runtime/dead-letter-log.js';
import type { DeadLetter } from '../../src/runtime/system-events.js';
import { createSystem, supervisor, type System } from '../../src/index.js';

const CODES = ['ACTOR_CRASHED', 'MAILBOX_FULL', 'ACTOR_STOPPED'] as const;
const PATHS = ['arbor://n/a', 'arbor://n/a/b', 'arbor://n/ab', 'arbor://n/c'] as const;

function letter(i: number, code: string, recipient: string, correlationId?: string): DeadLetter {
  const d: DeadLetter = { recipient, event: { type: 'e', i }, reason: new ArborError(code as 'ACTOR_CRASHED', code), at: i };
  if (correlationId !== undefined) d.correlationId = correlationId;
  return d;
}

describe('the dead-letter log of a node', () => {
  it('keeps the last `capacity` dead letters and lists those matching a filter, newest first', () => {
    const arb = fc.record({
      capacity: fc.integer({ min: 0, max: 8 }),
      letters: fc.array(fc.tuple(fc.constantFrom(...CODES), fc.constantFrom(...PATHS), fc.option(fc.constantFrom('c1', 'c2'), { nil: undefined })), { maxLength: 30 }),
      filter: fc.record({ code: fc.constantFrom(...CODES), path: fc.constantFrom('arbor://n/a', 'arbor://n/c'), correlationId: fc.constantFrom('c1', 'c2'), limit: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: [] }),
    });
    fc.assert(
      fc.property(arb, ({ capacity, letters, filter }) => {
        const log = new DeadLetterLog(capacity);
        const all = letters.map(([code, path, corr], i) => letter(i, code, path, corr));
        for (const d of all) log.add(d);
        const f = filter as DeadLetterFilter;
        const expected = all
          .slice(Math.max(0, all.length - capacity))
          .reverse()
          .filter((d) => (f.code === undefined || d.reason.code === f.code) && (f.correlationId === undefined || d.correlationId === f.correlationId))
          // A path filter takes the actor and those below it, not a sibling whose name starts alike.
          .filter((d) => f.path === undefined || d.recipient === f.path || d.recipient.startsWith(f.path + '/'))
          .slice(0, f.limit ?? Infinity);
        expect(log.list(f)).toEqual(expected);
        expect(log.total).toBe(all.length);
      }),
    );
  });

  it('refuses a capacity that is not a non-negative integer', () => {
    expect(() => new DeadLetterLog(-1)).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }));
  });
});

let system: System | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const crashy = setup({
  types: { events: {} as { type: 'work'; correlationId?: string } },
  actions: {
    boom: () => {
      throw new Error('boom');
    },
  },
}).createMachine({ on: { work: { actions: 'boom' } } });

describe('system.deadLetters()', () => {
  it('lists a crash and a full mailbox with their reasons, filtered by code, path and correlation id', async () => {
    system = await createSystem({ node: 'n', logger: false });
    system.spawn(supervisor({ intensity: 10, children: [{ id: 'w', logic: crashy }] }), { id: 'root' });
    const idle = system.spawn(setup({}).createMachine({}), { id: 'small', mailbox: { capacity: 1 } });
    system.lookup('root/w')!.send({ type: 'work', correlationId: 'c-1' });
    await system.idle();
    // The supervisor restarted the crashed worker; the next message crashes it again.
    system.lookup('root/w')!.send({ type: 'work', correlationId: 'c-2' });
    await system.idle();
    idle.send({ type: 'x' });
    idle.send({ type: 'y', correlationId: 'c-3' });
    await system.idle();

    const all = system.deadLetters();
    expect(all.map((d) => [d.reason.code, d.recipient, d.correlationId])).toEqual([
      ['MAILBOX_FULL', 'arbor://n/small', 'c-3'],
      ['ACTOR_CRASHED', 'arbor://n/root/w', 'c-2'],
      ['ACTOR_CRASHED', 'arbor://n/root/w', 'c-1'],
    ]);
    expect(system.deadLetterCount).toBe(3);
    expect(system.deadLetters({ code: 'ACTOR_CRASHED' }).map((d) => d.correlationId)).toEqual(['c-2', 'c-1']);
    expect(system.deadLetters({ path: 'root' }).map((d) => d.correlationId)).toEqual(['c-2', 'c-1']);
    expect(system.deadLetters({ correlationId: 'c-3' })).toHaveLength(1);
    expect(system.deadLetters({ limit: 1 })[0]?.reason.code).toBe('MAILBOX_FULL');
  });

  it('forgets the oldest beyond deadLetterCapacity', async () => {
    system = await createSystem({ node: 'n', logger: false, deadLetterCapacity: 2 });
    const ref = system.spawn(setup({}).createMachine({}), { id: 'a', mailbox: { capacity: 1 } });
    for (let i = 0; i < 5; i++) ref.send({ type: 'e', correlationId: `c${i}` });
    await system.idle();
    expect(system.deadLetters().map((d) => d.correlationId)).toEqual(['c4', 'c3']);
    expect(system.deadLetterCount).toBe(4);
  });
});
