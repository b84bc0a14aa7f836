import { describe, expect, it } from 'vitest';
import { redriven, type DlqEntry } from '../../src/transport/dlq.js';
import type { Envelope } from '../../src/runtime/transport.js';

const entry = (over: Partial<DlqEntry> = {}): DlqEntry => ({
  id: 'n.abc.7',
  originalId: 'n.abc.7',
  code: 'ACTOR_CRASHED',
  reason: 'boom',
  recipient: 'arbor://b/root/w',
  eventType: 'work',
  correlationId: 'c',
  attempts: 1,
  redrives: 0,
  node: 'b',
  firstFailedAt: 1000,
  lastFailedAt: 2000,
  routingKey: 'node.b.msg.work',
  event: { type: 'work' },
  ...over,
});

describe('a redriven envelope', () => {
  const envelope: Envelope = { id: 'n.abc.7', to: 'arbor://b/root/w', kind: 'user', body: { type: 'work' }, sentAt: 5, attempt: 4, inc: 2, seq: 9, correlationId: 'c', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };

  it('gets an id derived from the original and the redrive count, attempts from zero, and keeps its trace and correlation', () => {
    const again = redriven(envelope, entry());
    expect(again).toEqual({
      id: 'n.abc.7~r1',
      to: 'arbor://b/root/w',
      kind: 'user',
      body: { type: 'work' },
      sentAt: 5,
      attempt: 0,
      correlationId: 'c',
      headers: { traceparent: envelope.headers!.traceparent, 'arbor-original-id': 'n.abc.7', 'arbor-redrives': '1', 'arbor-first-failed-at': '1000' },
    });
  });

  it('derives the same id when the same entry is redriven again after an interrupted redrive, and a new one after a later failure', () => {
    expect(redriven(envelope, entry()).id).toBe(redriven(envelope, entry()).id);
    const second = redriven({ ...envelope, id: 'n.abc.7~r1' }, entry({ id: 'n.abc.7~r1', redrives: 1 }));
    expect(second.id).toBe('n.abc.7~r2');
    expect(second.headers?.['arbor-original-id']).toBe('n.abc.7');
  });
});
