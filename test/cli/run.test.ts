import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arbor, spawnArbor } from './run-cli.js';

// Each test starts node with tsx: generous on a loaded machine.
const SPAWN = { timeout: 60_000 };
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe.concurrent('arbor run', SPAWN, () => {
  it('runs the module until its root exits, prints the result as JSON and exits 0', async () => {
    const { code, stdout, stderr } = await arbor(['run', 'examples/run-app.ts', '--json', '--node', 'n1']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true, root: 'arbor://n1/root', result: { fetch: { step: 'fetch', attempts: 1 }, parse: { step: 'parse', attempts: 2 } } });
    // Not a terminal: logs are pino JSON lines on stderr, the restart among them.
    const logs = stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; child?: string });
    expect(logs.map((l) => l.msg)).toContain('arbor run: started');
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'supervisor child_restarted', child: 'parse' }));
  });

  it('prints a readable result without --json, and runs plain XState logic as root under --id', async () => {
    const { code, stdout } = await arbor(['run', 'test/cli/fixtures/worker.ts', '--id', 'answer', '--node', 'n2'], { NO_COLOR: '1' });
    expect(code).toBe(0);
    expect(stdout).toBe('✓ arbor://n2/answer exited normally: 42\n');
  });

  it('exits 1 and says why in one line when the root fails', async () => {
    const { code, stdout, stderr } = await arbor(['run', 'test/cli/fixtures/failing.ts', '--node', 'n3']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n').filter((l) => l.startsWith('arbor:'))).toEqual([expect.stringMatching(/^arbor: arbor:\/\/n3\/root failed: MAX_RESTART_INTENSITY: /)]);
    const json = await arbor(['run', 'test/cli/fixtures/failing.ts', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'MAX_RESTART_INTENSITY' } });
  });

  it('fails the run when the module start hook throws', async () => {
    const { code, stderr } = await arbor(['run', 'test/cli/fixtures/worker.ts'], { START_THROWS: '1' });
    expect(code).toBe(1);
    expect(stderr).toContain("failed: START_FAILED: the module's start(system, root) threw: no database");
  });

  it.each([
    [['run', 'nope/missing.ts'], 'arbor: module not found: nope/missing.ts'],
    [['run', 'test/cli/fixtures/no-default.ts'], 'arbor: test/cli/fixtures/no-default.ts has no default export (a supervisor spec or XState logic to run)'],
    [['run', 'examples/run-app.ts', '--bogus'], 'arbor: Unknown option \'--bogus\''],
    [['run', 'examples/run-app.ts', '--cluster', 'c1'], 'arbor: --cluster needs --broker URL'],
    [['run', 'examples/run-app.ts', '--broker', 'http://user:hunter2@host'], 'arbor: invalid rabbitmq option: url must start with amqp:// or amqps://, got "http://user:***@host"'],
    [['run', 'examples/run-app.ts', '--id', 'a/b'], expect.stringMatching(/^arbor: invalid spec: id must be a non-empty string without "\/"/)],
    [['run'], 'arbor: missing <module> argument'],
  ])('exits 2 with one line on stderr for %j', async (args, line) => {
    const { code, stdout, stderr } = await arbor(args as string[]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n').filter((l) => !l.startsWith('{'))).toEqual([line]);
  });

  it('stops gracefully on SIGTERM and exits 0', async () => {
    const run = spawnArbor(['run', 'examples/run-service.ts'], { DRAIN_MS: '50' });
    await run.waitFor(/arbor run: started/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // The ticker drained (it handles arbor.shutdown) and was terminated by its supervisor.
    expect(run.stderr()).toMatch(/"child":"ticker","msg":"supervisor child_terminated"/);
    expect(run.stderr()).toContain('arbor run: stopped');
  });

  it('forces the exit with 130 on a second signal while shutting down', async () => {
    const run = spawnArbor(['run', 'examples/run-service.ts'], { DRAIN_MS: '60000' });
    await run.waitFor(/arbor run: started/);
    run.child.kill('SIGINT');
    await run.waitFor(/shutting down/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain('arbor: SIGINT again: forced exit');
  });

  it('journals the events with --journal, and arbor replay prints one workflow of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arbor-cli-'));
    dirs.push(dir);
    const journal = join(dir, 'orders.jsonl');
    const run = await arbor(['run', 'examples/run-orders.ts', '--journal', journal, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).result).toEqual({ book: { 'order-1': 'confirmed', 'order-2': 'rejected', 'order-3': 'confirmed' } });
    const replay = await arbor(['replay', journal, '--correlation', 'order-2', '--json']);
    expect(replay.code).toBe(0);
    const { rows } = JSON.parse(replay.stdout) as { rows: { to: string; type: string; id?: string; causationId?: string }[] };
    expect(rows.map((r) => [r.to, r.type, r.id, r.causationId])).toEqual([
      ['root/inventory', 'stock.reserve', 'order-2/placed', undefined],
      // the inventory's answer to the ask, journalled as the reply it took
      [expect.stringMatching(/^\$ask\/\d+$/), 'stock.short', 'order-2/placed-short', 'order-2/placed'],
      ['root/book', 'order.rejected', 'order-2/settled', 'order-2/placed-short'],
    ]);
  });
});
