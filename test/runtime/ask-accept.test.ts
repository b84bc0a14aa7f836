import { describe, expect, it } from 'vitest';
import { sendTo, setup, type AnyActorRef } from 'xstate';
import { createSystem } from '../../src/index.js';

/** Answers every `q` twice: first with a stale reply, then with the real one. */
const echo = setup({ types: { events: {} as { type: 'q'; n: number; replyTo: AnyActorRef } } }).createMachine({
  on: {
    q: {
      actions: [sendTo(({ event }) => event.replyTo, ({ event }) => ({ type: 'a', n: event.n - 1 })), sendTo(({ event }) => event.replyTo, ({ event }) => ({ type: 'a', n: event.n }))],
    },
  },
});

const once = setup({}).createMachine({ initial: 'a', states: { a: { on: { go: 'b' } }, b: { type: 'final' } } });

describe('ask', () => {
  it('with accept: skips replies it turns down (handing them to onRejected) and resolves with the first accepted', async () => {
    const system = await createSystem({ logger: false });
    const ref = system.spawn(echo, { id: 'echo' });
    const rejected: unknown[] = [];
    const reply = await ref.ask<{ n: number }>({ type: 'q', n: 7 }, { accept: (r) => r.n === 7, onRejected: (r) => rejected.push(r) });
    expect(reply).toEqual({ type: 'a', n: 7 });
    expect(rejected).toEqual([{ type: 'a', n: 6 }]);
    await expect(ref.ask({ type: 'q', n: 1 }, { accept: 'yes' as never })).rejects.toMatchObject({ code: 'INVALID_SPEC', details: { field: 'accept' } });
    await system.shutdown();
  });

  it('a root that exited frees its id: lookup no longer finds it and the id can be spawned again', async () => {
    const system = await createSystem({ logger: false });
    const first = system.spawn(once, { id: 'job' });
    first.send({ type: 'go' });
    await first.result();
    expect(system.lookup('job')).toBeUndefined();
    const second = system.spawn(once, { id: 'job' });
    expect(system.lookup('job')).toBe(second);
    await system.shutdown();
  });

  it('the reply an ask takes is journalled, like a mailbox delivery', async () => {
    const entries: { to: string; type: string }[] = [];
    const system = await createSystem({ logger: false, journal: { append: (e) => entries.push({ to: e.to, type: e.event.type }) } });
    const ref = system.spawn(echo, { id: 'echo' });
    await ref.ask({ type: 'q', n: 3 }, { accept: (r) => r.n === 3 });
    expect(entries.map((e) => e.type)).toEqual(['q', 'a']);
    expect(entries[1]?.to).toMatch(/^arbor:\/\/.+\/\$ask\/\d+$/);
    await system.shutdown();
  });
});
