import { describe, expect, it } from 'vitest';
import { createSystem, supervisor } from '../../src/index.js';
import { acc } from '../support/acc.js';
import { fileJournal, readJournal, replayJournal, timeline } from '../../src/journal/index.js';
import { bank } from './machines.js';
import { finalStates, replayed, runJournalled, type Sent } from './bank-run.js';
import { records, tempJournal } from './helpers.js';

describe('replayJournal', () => {
  it('reproduces the final states of deterministic workers in a fresh system', async () => {
    const path = await tempJournal();
    const events: Sent[] = [
      ['alice', { type: 'deposit', amount: 50 }],
      ['bob', { type: 'withdraw', amount: 5 }],
      ['alice', { type: 'freeze' }],
      ['alice', { type: 'deposit', amount: 7 }],
      ['bob', { type: 'deposit', amount: 9 }],
      ['alice', { type: 'thaw' }],
      ['alice', { type: 'withdraw', amount: 20 }],
      ['bob', { type: 'crash' }],
      ['bob', { type: 'deposit', amount: 3 }],
    ];
    const original = await runJournalled(path, events);
    expect(original).toEqual({
      alice: { context: { balance: 30, log: ['+50', 'frozen +7', '-20'] }, value: 'active' },
      bob: { context: { balance: 3, log: ['+3'] }, value: 'active' }, // the crash restarted bob afresh
    });
    const { states, sent } = await replayed(path);
    expect(sent).toBe(events.length);
    expect(states).toEqual(original);
  });

  it('answers journalled asks through a recording ref, since the original asker is gone', async () => {
    const path = await tempJournal();
    const system = await createSystem({ node: 'original', logger: false, journal: fileJournal(path, { logger: false }) });
    system.spawn(bank, { id: 'root' });
    system.lookup('root/alice')?.send({ type: 'deposit', amount: 4 });
    await expect(system.lookup('root/alice')?.ask({ type: 'get' })).resolves.toEqual({ type: 'balance', balance: 4 });
    await system.shutdown();

    const [, ask] = await records(path);
    expect(ask).toMatchObject({ event: { type: 'get', replyTo: { $ref: 'arbor://original/$ask/1' } } });
    const fresh = await createSystem({ logger: false });
    fresh.spawn(bank, { id: 'root' });
    const result = await replayJournal(readJournal(path), fresh);
    await fresh.shutdown();
    expect(result.replies).toEqual([{ to: 'arbor://original/$ask/1', event: { type: 'balance', balance: 4 } }]);
  });

  it('replays one workflow by correlation id and reports recipients that do not exist', async () => {
    const path = await tempJournal();
    await runJournalled(path, [
      ['alice', { type: 'deposit', amount: 1, correlationId: 'c1' }],
      ['bob', { type: 'deposit', amount: 2, correlationId: 'c2' }],
      ['alice', { type: 'deposit', amount: 3, correlationId: 'c1' }],
    ]);
    const fresh = await createSystem({ logger: false });
    fresh.spawn(bank, { id: 'root' });
    const result = await replayJournal(readJournal(path), fresh, { correlationId: 'c1' });
    expect(result).toMatchObject({ sent: 2, skipped: [], missing: 0 });
    expect(finalStates(fresh)).toMatchObject({ alice: { context: { balance: 4 } }, bob: { context: { balance: 0 } } });
    await fresh.shutdown();

    const empty = await createSystem({ logger: false });
    const none = await replayJournal(readJournal(path), empty);
    expect(none.skipped.map((s) => s.to)).toEqual(['arbor://original/root/alice', 'arbor://original/root/bob', 'arbor://original/root/alice']);
    await empty.shutdown();
  });

  it('builds a timeline with offsets, recipients and event ids', async () => {
    const rows = await timeline(
      [
        { seq: 1, node: 'a', to: 'arbor://a/root/x', at: 100, event: { type: 'start', id: 'e1', correlationId: 'w1' } },
        { seq: 2, node: 'a', to: 'arbor://a/root/y', at: 110, event: { type: 'other', correlationId: 'w2' } },
        { node: 'a', gap: { dropped: 2, firstSeq: 3, lastSeq: 4, firstAt: 120, lastAt: 121, reason: 'buffer_full' } },
        { seq: 5, node: 'a', to: 'arbor://a/root/x/z', at: 135, event: { type: 'next', id: 'e2', correlationId: 'w1', causationId: 'e1' } },
      ],
      { correlationId: 'w1' },
    );
    expect(rows).toEqual([
      { kind: 'event', seq: 1, offset: 0, at: 100, node: 'a', to: 'root/x', type: 'start', id: 'e1', correlationId: 'w1' },
      { kind: 'gap', offset: 20, at: 120, node: 'a', dropped: 2, firstSeq: 3, lastSeq: 4, reason: 'buffer_full' },
      { kind: 'event', seq: 5, offset: 35, at: 135, node: 'a', to: 'root/x/z', type: 'next', id: 'e2', correlationId: 'w1', causationId: 'e1' },
    ]);
  });

  it('re-sends only outside events by default: what actors sent each other is sent again by the replayed actors', async () => {
    const path = await tempJournal();
    const app = supervisor({ children: [{ id: 'w1', logic: acc }, { id: 'w2', logic: acc }] });
    const original = await createSystem({ node: 'original', logger: false, journal: fileJournal(path, { logger: false }) });
    original.spawn(app, { id: 'root' });
    for (let id = 1; id <= 3; id++) original.lookup('root/w1')?.send({ type: 'forward', id, to: original.lookup('root/w2') as never });
    await original.idle();
    await original.shutdown();
    const stored = (await records(path)) as { to: string; from?: string; event: { type: string } }[];
    expect(stored.filter((r) => r.event.type === 'work').every((r) => r.from === 'arbor://original/root/w1')).toBe(true);
    expect(stored.filter((r) => r.event.type === 'forward').every((r) => r.from === undefined)).toBe(true);

    const fresh = await createSystem({ node: 'fresh', logger: false });
    fresh.spawn(app, { id: 'root' });
    const result = await replayJournal(readJournal(path), fresh);
    expect(result.sent).toBe(3);
    const w2 = (await fresh.lookup('root/w2')?.ask({ type: 'dump' })) as { seen: number[] };
    expect(w2.seen).toEqual([1, 2, 3]); // not [1, 1, 2, 2, 3, 3]
    await fresh.shutdown();
  });
});
