/**
 * A node's side of the dead-letter stream: every letter reaches the listeners once and counts;
 * the recent list `describe()` shows keeps the last RECENT_DEAD_LETTERS in brief, oldest first;
 * a filter's relative path is resolved against the node.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pino from 'pino';
import { DeadLetterStream } from '../../src/runtime/dead-letter-stream.js';
import { ArborError } from '../../src/runtime/errors.js';
import { RECENT_DEAD_LETTERS } from '../../src/runtime/node-status.js';
import type { DeadLetter } from '../../src/runtime/system-events.js';

function stream(capacity: number | undefined, heard: DeadLetter[]): { s: DeadLetterStream; tick: () => void } {
  let now = 0;
  const clock = { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined };
  const s = new DeadLetterStream({ node: 'a', capacity, logger: pino({ enabled: false }), clock, emit: (l) => heard.push(l) });
  return { s, tick: () => void now++ };
}

describe('DeadLetterStream', () => {
  it('tells each letter once, counts it, and keeps the last few in brief, oldest first', () => {
    fc.assert(
      fc.property(fc.nat({ max: 4 }), fc.array(fc.record({ typed: fc.boolean(), crash: fc.boolean(), correlated: fc.boolean() }), { maxLength: RECENT_DEAD_LETTERS + 10, size: 'max' }), (capacity, sent) => {
        const heard: DeadLetter[] = [];
        const { s, tick } = stream(capacity, heard);
        sent.forEach(({ typed, crash, correlated }, n) => {
          const event = typed ? { type: `e${n}`, ...(correlated ? { correlationId: `c${n}` } : {}) } : n;
          s.add(`arbor://a/w${n}`, event, new ArborError(crash ? 'ACTOR_CRASHED' : 'MAILBOX_FULL', `letter ${n}`));
          tick();
        });
        expect(heard.map((l) => l.recipient)).toEqual(sent.map((_, n) => `arbor://a/w${n}`));
        expect(heard.map((l) => l.correlationId)).toEqual(sent.map(({ typed, correlated }, n) => (typed && correlated ? `c${n}` : undefined)));
        expect(heard.map((l) => l.at)).toEqual(sent.map((_, n) => n));
        expect(s.total).toBe(sent.length);
        expect(s.list()).toEqual(capacity === 0 ? [] : heard.slice(-capacity).reverse());
        const recent = s.recent();
        if (sent.length === 0) expect(recent).toBeUndefined();
        else {
          const last = heard.slice(-RECENT_DEAD_LETTERS);
          expect(recent).toEqual(last.map((l) => ({ at: l.at, recipient: l.recipient, type: typeof l.event === 'number' ? String(l.event) : (l.event as { type: string }).type, code: l.reason.code, reason: l.reason.message })));
        }
      }),
    );
  });

  it('gives a copy of the recent list, and resolves a relative path in a filter against its node', () => {
    const heard: DeadLetter[] = [];
    const { s } = stream(undefined, heard);
    s.add('arbor://a/root/w', { type: 'x' }, new ArborError('ACTOR_CRASHED', 'gone'));
    s.add('arbor://a/other', { type: 'y' }, new ArborError('ACTOR_CRASHED', 'gone'));
    s.recent()!.pop();
    expect(s.recent()).toHaveLength(2);
    expect(s.list({ path: 'root' }).map((l) => l.recipient)).toEqual(['arbor://a/root/w']);
  });
});
