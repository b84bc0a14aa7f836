import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fileJournal, isGap, type JournalRecord, type StoredEntry } from '../../src/journal/index.js';
import type { JournalEntry } from '../../src/index.js';
import { records, recordingLogger, tempJournal } from './helpers.js';

function entry(i: number, extra: Record<string, unknown> = {}): JournalEntry {
  return { node: 'n1', to: 'arbor://n1/root/w', at: 1000 + i, event: { type: 'work', i, ...extra } };
}

function entries(all: JournalRecord[]): StoredEntry[] {
  return all.filter((r): r is StoredEntry => !isGap(r));
}

describe('fileJournal', () => {
  it('writes one JSON line per entry with a sequence number, refs stored by path', async () => {
    const path = await tempJournal();
    const journal = fileJournal(path, { logger: false });
    const replyTo = { path: 'arbor://n1/$ask/1', send: () => undefined, extra: 'not stored' };
    journal.append(entry(1, { replyTo, nested: { list: [replyTo, 2n] }, fn: () => 1 }));
    journal.append(entry(2));
    await journal.close();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toEqual({
      seq: 1,
      node: 'n1',
      to: 'arbor://n1/root/w',
      at: 1001,
      event: { type: 'work', i: 1, replyTo: { $ref: 'arbor://n1/$ask/1' }, nested: { list: [{ $ref: 'arbor://n1/$ask/1' }, '2'] } },
    });
    expect(JSON.parse(lines[1] as string).seq).toBe(2);
  });

  it('stores events it cannot serialise as JSON as far as it can, without throwing', async () => {
    const path = await tempJournal();
    const journal = fileJournal(path, { logger: false });
    const cyclic: Record<string, unknown> = { type: 'cyclic' };
    cyclic['self'] = cyclic;
    const error = Object.assign(new Error('bad'), { code: 'E_BAD' });
    journal.append({ node: 'n1', to: 'arbor://n1/root', at: 1, event: { type: 'odd', cyclic, error, when: new Date(0), nan: Number.NaN } });
    await journal.close();
    const [record] = entries(await records(path));
    expect(record?.event).toEqual({ type: 'odd', cyclic: { type: 'cyclic', self: '[Circular]' }, error: { name: 'Error', message: 'bad', code: 'E_BAD' }, when: '1970-01-01T00:00:00.000Z', nan: null });
  });

  it('continues the sequence numbers of an existing journal and never rewrites it', async () => {
    const path = await tempJournal();
    const first = fileJournal(path, { logger: false });
    for (let i = 1; i <= 3; i++) first.append(entry(i));
    await first.close();
    const before = await readFile(path, 'utf8');
    const second = fileJournal(path, { logger: false });
    second.append(entry(4));
    await second.close();
    const after = await readFile(path, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(entries(await records(path)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('ends a torn last line before appending, and readers skip that torn line', async () => {
    const path = await tempJournal();
    const first = fileJournal(path, { logger: false });
    first.append(entry(1));
    await first.close();
    await appendFile(path, '{"seq":2,"node":"n1","to":"arb'); // a crash mid-write
    const second = fileJournal(path, { logger: false });
    second.append(entry(3));
    await second.close();
    await expect(records(path)).rejects.toMatchObject({ code: 'DECODE_ERROR', message: expect.stringContaining(':2: not a JSON line') });
    // Only a torn *last* line is skipped: drop the middle one and tear the end instead.
    const repaired = (await readFile(path, 'utf8')).split('\n').filter((l) => !l.endsWith('"arb')).join('\n');
    await writeFile(path, repaired + '{"seq":3,"no');
    expect(entries(await records(path)).map((r) => [r.seq, r.event['i']])).toEqual([[1, 1], [2, 3]]);
  });

  it('when the buffer is full, drops new entries and writes a gap record counting them, with a warning', async () => {
    const path = await tempJournal();
    const { logger, lines } = recordingLogger();
    const journal = fileJournal(path, { maxPendingEntries: 4, logger });
    // All appended in one turn: nothing is written yet, so only 4 fit.
    for (let i = 1; i <= 10; i++) journal.append(entry(i));
    expect(journal.stats()).toEqual({ appended: 10, dropped: 6, pending: 4 });
    await journal.flush();
    journal.append(entry(11)); // room again: the gap record goes first
    await journal.close();
    const all = await records(path);
    expect(all.map((r) => (isGap(r) ? `gap ${r.gap.firstSeq}-${r.gap.lastSeq} (${r.gap.dropped})` : r.seq))).toEqual([1, 2, 3, 4, 'gap 5-10 (6)', 11]);
    expect(all[4]).toMatchObject({ node: 'n1', gap: { firstAt: 1005, lastAt: 1010, reason: 'buffer_full' } });
    const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toEqual(['journal buffer full: dropping entries until the writer catches up', 'journal gap: 6 entries dropped (buffer_full)']);
  });

  it('keeps memory bounded under a flood of appends and records every dropped entry in gaps', async () => {
    const path = await tempJournal();
    const journal = fileJournal(path, { maxPendingEntries: 500, logger: false });
    let maxPending = 0;
    for (let i = 1; i <= 20_000; i++) {
      journal.append(entry(i));
      maxPending = Math.max(maxPending, journal.stats().pending);
      if (i % 2000 === 0) await new Promise((resolve) => setImmediate(resolve)); // let some writes happen
    }
    await journal.close();
    expect(maxPending).toBeLessThanOrEqual(501);
    const all = await records(path);
    const kept = entries(all).length;
    const dropped = all.filter(isGap).reduce((sum, r) => sum + (isGap(r) ? r.gap.dropped : 0), 0);
    expect(kept + dropped).toBe(20_000);
    expect(dropped).toBe(journal.stats().dropped);
    expect(dropped).toBeGreaterThan(0);
    // Sequence numbers plus gap ranges cover 1..20000 exactly once.
    const covered = all.flatMap((r) => (isGap(r) ? Array.from({ length: r.gap.dropped }, (_, k) => r.gap.firstSeq + k) : [r.seq]));
    expect(covered.sort((a, b) => a - b)).toEqual(Array.from({ length: 20_000 }, (_, k) => k + 1));
  });

  it('writes a gap still open at close', async () => {
    const path = await tempJournal();
    const journal = fileJournal(path, { maxPendingEntries: 2, logger: false });
    for (let i = 1; i <= 5; i++) journal.append(entry(i));
    await journal.close();
    const all = await records(path);
    expect(all.map((r) => (isGap(r) ? `gap ${r.gap.dropped}` : r.seq))).toEqual([1, 2, 'gap 3']);
  });

  it('rejects bad options with INVALID_SPEC naming the field and value', () => {
    expect(() => fileJournal('x.jsonl', { maxPendingEntries: 0 })).toThrow(/maxPendingEntries must be an integer from 1 .* got 0/);
    expect(() => fileJournal('')).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }));
    expect(() => fileJournal('/nonexistent-dir/x/journal.jsonl')).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', message: expect.stringContaining('cannot open journal /nonexistent-dir/x/journal.jsonl') }));
  });

  it('refuses to append to a file that is not a journal', async () => {
    const path = await tempJournal();
    await writeFile(path, 'hello\nworld\n');
    expect(() => fileJournal(path)).toThrow(expect.objectContaining({ code: 'DECODE_ERROR' }));
  });
});
