import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { fileJournal } from '../../src/journal/index.js';
import { tempJournal } from '../journal/helpers.js';

function captureIo(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), color: false, stdout: () => out, stderr: () => err };
}

/** A journal of two workflows, with a gap where the writer had to drop two entries. */
async function sampleJournal(): Promise<string> {
  const path = await tempJournal();
  const journal = fileJournal(path, { maxPendingEntries: 3, logger: false });
  const at = (ms: number, to: string, event: Record<string, unknown> & { type: string }) => journal.append({ node: 'a', to: `arbor://a/${to}`, at: 5000 + ms, event });
  at(0, 'root/planner', { type: 'plan.requested', id: 'e1', correlationId: 'w1' });
  at(12, 'root/research/r1', { type: 'research.start', id: 'e2', correlationId: 'w1', causationId: 'e1' });
  at(15, 'root/other', { type: 'noise', correlationId: 'w2' });
  at(20, 'root/research/r2', { type: 'research.start', id: 'e3', correlationId: 'w1', causationId: 'e1' }); // dropped
  at(21, 'root/other', { type: 'noise', correlationId: 'w2' }); // dropped
  await journal.flush();
  at(1500, 'root/writer', { type: 'draft.requested', id: 'e4', correlationId: 'w1', causationId: 'e2' });
  await journal.close();
  return path;
}

describe('arbor replay', () => {
  it('prints the timeline of one workflow: offsets, recipients, types and ids, gaps included', async () => {
    const io = captureIo();
    expect(await main(['replay', await sampleJournal(), '--correlation', 'w1'], io)).toBe(0);
    const lines = io.stdout().split('\n');
    expect(lines[0]).toMatch(/, workflow w1: 3 events over 1\.500 s$/);
    expect(lines.slice(1)).toEqual([
      '   +0.000s  root/planner      plan.requested   id=e1',
      '   +0.012s  root/research/r1  research.start   id=e2  cause=e1',
      '   +0.020s  … 2 entries missing from the journal (buffer_full, seq 4-5 on a)',
      '   +1.500s  root/writer       draft.requested  id=e4  cause=e2',
      '',
    ]);
  });

  it('prints every event with its correlation id without --correlation, and JSON rows with --json', async () => {
    const path = await sampleJournal();
    const text = captureIo();
    expect(await main(['replay', path], text)).toBe(0);
    expect(text.stdout()).toContain('+0.015s  root/other        noise            corr=w2');
    const json = captureIo();
    expect(await main(['replay', path, '--json', '--correlation', 'w2'], json)).toBe(0);
    expect(JSON.parse(json.stdout())).toEqual({
      source: path,
      correlationId: 'w2',
      rows: [{ kind: 'event', seq: 3, offset: 0, at: 5015, node: 'a', to: 'root/other', type: 'noise', correlationId: 'w2' }],
    });
  });

  it('exits 1 with a line on stderr when no event matches', async () => {
    const io = captureIo();
    const path = await sampleJournal();
    expect(await main(['replay', path, '--correlation', 'nope'], io)).toBe(1);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toBe(`arbor: no event with correlation id "nope" in ${path}\n`);
  });

  it.each([
    [['replay'], 'arbor: missing <journal> argument (or --broker URL)\n'],
    [['replay', 'missing.jsonl'], 'arbor: journal not found: missing.jsonl\n'],
    [['replay', 'j.jsonl', '--idle', '5'], 'arbor: --idle needs --broker URL\n'],
    [['replay', 'j.jsonl', '--broker', 'amqp://localhost'], "arbor: with --broker the journal is the cluster's stream: drop j.jsonl\n"],
  ])('exits 2 with one line for %j', async (args, line) => {
    const io = captureIo();
    expect(await main(args as string[], io)).toBe(2);
    expect(io.stderr()).toBe(line);
  });

  it('exits 2 naming the line of a malformed journal', async () => {
    const path = await tempJournal();
    await writeFile(path, '{"seq":1,"node":"a","to":"arbor://a/x","at":1,"event":{"type":"t"}}\nnot json\n{"seq":2,"node":"a","to":"arbor://a/x","at":2,"event":{"type":"t"}}\n');
    const io = captureIo();
    expect(await main(['replay', path], io)).toBe(2);
    expect(io.stderr()).toMatch(new RegExp(`^arbor: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: not a JSON line`));
  });
});
