import { describe, expect, it } from 'vitest';
import { arbor } from './run-cli.js';

describe.concurrent('arbor dlq (usage)', { timeout: 30_000 }, () => {
  it('names the actions when none is given, and exits 2', async () => {
    const { code, stderr } = await arbor(['dlq']);
    expect(code).toBe(2);
    expect(stderr).toContain('arbor dlq needs one of list, show, redrive, purge');
  });

  it('wants an entry id for show, and --rate only for redrive', async () => {
    expect((await arbor(['dlq', 'show'])).stderr).toContain('arbor dlq show needs an entry id');
    const rate = await arbor(['dlq', 'list', '--rate', '5']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--rate applies to redrive only');
  });

  it('reports an unreachable broker in one line with the password redacted, and exits 2', async () => {
    const { code, stderr } = await arbor(['dlq', 'list', '--broker', 'amqp://user:secret@127.0.0.1:1', '--cluster', 'nope']);
    expect(code).toBe(2);
    expect(stderr).not.toContain('secret');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
