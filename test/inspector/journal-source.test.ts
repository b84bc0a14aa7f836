/** Workflows read from journal files, one per node, merged into one view. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileJournal } from '../../src/index.js';
import { JournalWorkflows } from '../../src/inspector/journal-source.js';

describe('workflows from journal files', () => {
  it('merge the files of several nodes in time order, and read them again when they change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arbor-inspect-'));
    const [a, b] = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
    const ja = fileJournal(a);
    const jb = fileJournal(b);
    ja.append({ node: 'a', to: 'arbor://a/root/shop', at: 10, event: { type: 'order.placed', correlationId: 'o-1' } });
    jb.append({ node: 'b', to: 'arbor://a/root/pay', at: 12, event: { type: 'charge', correlationId: 'o-1' }, from: 'arbor://a/root/shop' });
    ja.append({ node: 'a', to: 'arbor://a/root/shop', at: 15, event: { type: 'charged', correlationId: 'o-1' }, from: 'arbor://a/root/pay' });
    await Promise.all([ja.close?.(), jb.close?.()]);
    const source = new JournalWorkflows([a, b]);
    expect(await source.list()).toEqual([{ correlationId: 'o-1', steps: 3, first: 10, last: 15 }]);
    expect((await source.workflow('o-1')).map((s) => [s.node, s.type, s.from])).toEqual([
      ['a', 'order.placed', undefined],
      ['b', 'charge', 'arbor://a/root/shop'],
      ['a', 'charged', 'arbor://a/root/pay'],
    ]);
    const more = fileJournal(b);
    more.append({ node: 'b', to: 'arbor://a/root/pay', at: 20, event: { type: 'refund', correlationId: 'o-2' } });
    await more.close?.();
    expect((await source.list()).map((w) => w.correlationId)).toEqual(['o-2', 'o-1']);
  });
});
