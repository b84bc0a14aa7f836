/**
 * The README's shell commands, run as written (through `sh -c`, from the repository root) and
 * held to what the README says they do: the exit code and a line of their output. Every command
 * in a ```sh block must be checked here or skipped with a reason, so a command added to the README
 * without a check fails the first test.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, ROOT } from '../cli/run-cli.js';
import { describeBroker } from '../broker/broker.js';

const SLOW = { timeout: 120_000 };

/** The commands of the README's ```sh blocks, without their trailing comments. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#\s.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Not run here, each with the reason. */
const SKIPPED: Record<string, string> = {
  'npm ci && npm start': 'installs dependencies; `npm start` itself is run below',
  'npm test': 'the whole suite, which includes this file',
  'npx arbor replay --broker amqp://localhost --cluster demo --json': "needs a cluster that journals to a stream; test/cli/replay.broker.test.ts covers it",
  'npx arbor inspect --broker amqp://localhost --cluster demo': 'serves until stopped; test/cli/inspect.test.ts and test/inspector/inspector.browser.test.ts cover it',
  'npx arbor inspect --broker amqp://localhost --cluster demo --host 0.0.0.0 --token s3cret': 'exposes a port beyond loopback; the token and host checks are in test/inspector/server.test.ts',
  'npm start -- --inspect': 'serves until Ctrl-C; test/demo/main.test.ts runs it and stops it',
  'npm start -- --broker amqp://guest:guest@127.0.0.1:5672 --nodes 3 --kill-node': 'kills a node process mid-run; test/demo/kill-node.test.ts runs it (with --speed and --out) and checks the ledger',
  'npx arbor dlq list --broker amqp://localhost --cluster demo --code ACTOR_CRASHED': 'needs dead letters on the cluster; test/cli/dlq.test.ts and test/broker/dlq.test.ts cover it',
  'npx arbor dlq show b.1f3a9c2e.4 --broker amqp://localhost --cluster demo': 'names one dead letter of a sample run; test/cli/dlq.test.ts covers show',
  'npx arbor dlq redrive --broker amqp://localhost --cluster demo --path arbor://b/root/w --rate 50': 'needs dead letters on the cluster; test/broker/dlq.test.ts and dlq-kill.test.ts cover redrive',
  'npx arbor dlq purge --broker amqp://localhost --cluster demo --correlation order-7': 'removes dead letters of a sample run; test/cli/dlq.test.ts covers purge',
  'npx arbor run examples/run-service.ts --metrics-port 9464 &': 'a background service; test/cli/metrics.test.ts starts it and scrapes /metrics',
  'curl -s localhost:9464/metrics | grep arbor_actors': 'needs the service above; test/cli/metrics.test.ts scrapes it',
};

interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs `command` as a shell would, from the repository root. */
function sh(command: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env: cliEnv({ NO_COLOR: '1', FORCE_COLOR: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/**
 * Starts `command` (a README line, maybe ending in `&`) in its own process group and resolves once
 * `started` shows on stderr; `stop()` sends SIGINT to the group, as Ctrl-C on a terminal does
 * (npx does not pass a signal sent to it alone on to the command).
 */
function background(command: string, started: RegExp): Promise<{ stop: () => Promise<Ran> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `exec ${command.replace(/\s*&$/, '')}`], { cwd: ROOT, env: cliEnv({ NO_COLOR: '1' }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    const exited = new Promise<Ran>((r) => child.on('exit', (code) => r({ code: code ?? -1, out, err })));
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (started.test(err)) resolve({ stop: () => (process.kill(-child.pid!, 'SIGINT'), exited) });
    });
    void exited.then((r) => reject(new Error(`${command} exited ${r.code} before ${started}:\n${r.err}`)));
  });
}

const CHECKED = new Set<string>();
/** Registers a README command as checked (the name must be the README's text). */
function cmd(command: string): string {
  CHECKED.add(command);
  return command;
}

const C = {
  C0: cmd('npm start -- --seed 7'),
  C1: cmd('npm start -- --publish-failures 2'),
  C2: cmd('npm start -- --help'),
  C3: cmd('npx arbor diagram examples/machines/index.ts --format svg --out diagrams'),
  C4: cmd('npx arbor check examples/machines/index.ts'),
  C5: cmd('npx arbor check examples/machines/buggy.ts --seed 7'),
  C6: cmd('npx arbor run examples/run-app.ts'),
  C7: cmd('npx arbor run examples/run-app.ts --json'),
  C8: cmd('npx arbor run examples/run-service.ts'),
  C9: cmd('npx arbor run examples/run-orders.ts --journal orders.jsonl'),
  C10: cmd('npx arbor replay orders.jsonl --correlation order-2'),
  C11: cmd('npm start -- --broker amqp://guest:guest@127.0.0.1:5672 --nodes 3'),
  C12: cmd('npx arbor run examples/run-service.ts --broker amqp://localhost --cluster demo --node b &'),
  C13: cmd('npx arbor run examples/run-cluster.ts --broker amqp://localhost --cluster demo --node a &'),
  C14: cmd('npx arbor status --broker amqp://localhost --cluster demo'),
};

afterAll(async () => {
  await rm(join(ROOT, 'orders.jsonl'), { force: true });
});

// The demo runs write out/demo/: one at a time.
describe("the README's demo commands", SLOW, () => {
  it('runs the demo: a summary with the outcome and the files it wrote', async () => {
    const r = await sh(C.C0);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Summary +seed 7/);
    expect(r.out).toMatch(/files +out\/demo\/ .*tree\.svg .*journal-owner\.jsonl/);
  });

  it('ends the demo compensated with --publish-failures 2', async () => {
    const r = await sh(C.C1);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/outcome +compensated/);
  });

  it('prints the demo help', async () => {
    const r = await sh(C.C2);
    expect(r.code).toBe(0);
    expect(r.out + r.err).toMatch(/--seed/);
  });
});

describe.concurrent("the README's arbor commands", SLOW, () => {

  it('writes an SVG diagram per machine', async () => {
    const r = await sh(C.C3);
    expect(r.code).toBe(0);
    expect(readFileSync(join(ROOT, 'diagrams', 'order.svg'), 'utf8')).toMatch(/^<svg|<\?xml/);
  });

  it('checks the example machines: all pass, exit 0', async () => {
    const r = await sh(C.C4);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✓ order: ok/);
  });

  it('finds the buggy machine\'s throwing action and deadlock, exit 1', async () => {
    const r = await sh(C.C5);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ buggy: \d+ failures/);
    expect(r.out).toMatch(/deadlock/);
  });

  it('runs an app to its result, as text and as JSON', async () => {
    const text = await sh(C.C6);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^✓ arbor:\/\/node-\w+\/root exited normally: \{ fetch: .*parse: /);
    const json = await sh(C.C7);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, result: { fetch: {}, parse: {} } });
  });

  it('runs a service until Ctrl-C, then stops it gracefully with exit 0', async () => {
    const service = await background(C.C8, /arbor run: started/);
    const r = await service.stop();
    // arbor exits 0; npx, which got the Ctrl-C too, may report the signal itself.
    expect(r.err).toMatch(/arbor run: stopped/);
    expect(r.err).not.toMatch(/forced exit/);
    expect(r.code === 0 || r.code === -1).toBe(true);
  });

  it('journals a run and replays one workflow of it as a timeline', async () => {
    const run = await sh(C.C9);
    expect(run.code).toBe(0);
    const replay = await sh(C.C10);
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/^orders\.jsonl, workflow order-2: 3 events/);
    expect(replay.out).toMatch(/root\/book +order\.rejected +id=order-2\/settled +cause=order-2\/placed-short/);
  });
});

describeBroker("the README's commands with RabbitMQ", () => {
  it('runs the demo with its agents on two more node processes', SLOW, async () => {
    const r = await sh(C.C11);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Summary/);
  });

  it('shows a child placed on another node in arbor status', SLOW, async () => {
    const b = await background(C.C12, /arbor run: started/);
    const a = await background(C.C13, /arbor run: started/);
    try {
      const r = await sh(C.C14);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/\d+ nodes on cluster "demo" \(RabbitMQ\)/);
      expect(r.out).toMatch(/└─ remote +worker, placed remotely +running +@b +kind ticker/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('the README', () => {
  it('shows no shell command that this file neither checks nor skips with a reason', () => {
    const unchecked = readmeCommands().filter((c) => !CHECKED.has(c) && !(c in SKIPPED));
    expect(unchecked).toEqual([]);
  });
});
