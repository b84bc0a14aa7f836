import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { createSystem, topicMatcher, validateTopicPattern, type JournalEntry } from '../../src/index.js';

/** A reference matcher: each pattern word as a regular expression over `.`-prefixed topic words. */
function reference(pattern: string, topic: string): boolean {
  const source = pattern
    .split('.')
    .map((w) => (w === '*' ? '\\.[^.]+' : w === '#' ? '(?:\\.[^.]+)*' : `\\.${w}`))
    .join('');
  return new RegExp(`^${source}$`).test(`.${topic}`);
}

const word = fc.constantFrom('a', 'b', 'research', 'done');
const topic = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join('.'));
const pattern = fc.array(fc.oneof(word, fc.constant('*'), fc.constant('#')), { minLength: 1, maxLength: 5 }).map((w) => w.join('.'));

const collector = setup({ types: { context: {} as { seen: string[] }, events: {} as { type: string } } }).createMachine({
  context: { seen: [] },
  on: { '*': { actions: assign({ seen: ({ context, event }) => [...context.seen, event.type] }) } },
});

describe('topics', () => {
  it('matches AMQP topic semantics (property, against a regular-expression reference)', () => {
    fc.assert(
      fc.property(pattern, topic, (p, t) => {
        expect(topicMatcher(p)(t)).toBe(reference(p, t));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects malformed patterns with INVALID_SPEC naming the value', () => {
    for (const bad of ['', 'a..b', 'a.b*', '#x', 42]) {
      expect(() => validateTopicPattern(bad)).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'pattern' }));
    }
  });

  it('delivers published events to matching subscribers only, and stops after unsubscribe', async () => {
    const system = await createSystem({ logger: false });
    const all = system.spawn(collector, { id: 'all' });
    const research = system.spawn(collector, { id: 'research' });
    system.subscribe('#', all);
    const off = system.subscribe('research.*', research);
    await off.ready;
    system.publish({ type: 'research.done' });
    system.publish({ type: 'draft.done' });
    system.publish({ type: 'research.web.done' });
    await system.idle();
    off();
    system.publish({ type: 'research.late' });
    await system.idle();
    expect((all.getSnapshot() as { context: { seen: string[] } }).context.seen).toEqual(['research.done', 'draft.done', 'research.web.done', 'research.late']);
    expect((research.getSnapshot() as { context: { seen: string[] } }).context.seen).toEqual(['research.done']);
    expect(() => system.publish({ nope: 1 } as never)).toThrow(TypeError);
    await system.shutdown();
  });

  it('journals every accepted user event in order and closes the journal at shutdown', async () => {
    const entries: JournalEntry[] = [];
    let closed = false;
    const system = await createSystem({ logger: false, mailbox: { capacity: 2 }, journal: { append: (e) => entries.push(e), close: async () => void (closed = true) } });
    const a = system.spawn(collector, { id: 'a' });
    a.send({ type: 'one' });
    a.send({ type: 'two' });
    a.send({ type: 'three' }); // rejected by the full mailbox: dead-lettered, not journalled
    await system.idle();
    await system.shutdown();
    expect(entries.map((e) => [e.to, e.event.type])).toEqual([
      [a.path, 'one'],
      [a.path, 'two'],
    ]);
    expect(system.deadLetterCount).toBe(1);
    expect(closed).toBe(true);
  });
});
