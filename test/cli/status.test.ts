import { expect, it } from 'vitest';
import { arbor } from './run-cli.js';

it.concurrent('reports the embedded single node without --broker', { timeout: 60_000 }, async () => {
  const { code, stdout } = await arbor(['status', '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { transport: string; nodes: { node: string }[]; trees: { roots: unknown[] }[]; unreachable: string[] };
  expect(report).toMatchObject({ transport: 'in-memory', unreachable: [] });
  expect(report.nodes).toHaveLength(1);
  expect(report.trees[0]?.roots).toEqual([]);
});

it.concurrent('exits 2 with a redacted one-line error when the broker cannot be reached', { timeout: 60_000 }, async () => {
  const { code, stderr } = await arbor(['status', '--broker', 'amqp://guest:hunter2@127.0.0.1:1', '--cluster', 'unreachable'], { ARBOR_LOG_LEVEL: 'silent' });
  expect(code).toBe(2);
  expect(stderr).not.toContain('hunter2');
  expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^arbor: .*amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/)]);
});
