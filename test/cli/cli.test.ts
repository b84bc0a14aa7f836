import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arbor } from './run-cli.js';

const EXAMPLES = 'examples/machines/index.ts';
const BUGGY = 'examples/machines/buggy.ts';
// Each test starts node with tsx and may check several machines: generous on a loaded machine.
const SPAWN = { timeout: 60_000 };

describe.concurrent('arbor (top level)', SPAWN, () => {
  it('prints help listing every command and exits 0 with --help', async () => {
    const { code, stdout } = await arbor(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: arbor <command>');
    expect(stdout).toMatch(/run .*\n.*status .*\n.*replay .*\n.*diagram .*\n.*check .*\n.*state .*\n.*inspect /s);
  });

  it('prints usage on stderr and exits 2 without a command', async () => {
    const { code, stderr } = await arbor([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: arbor <command>');
  });

  it('reports an unknown command in one line on stderr and exits 2', async () => {
    const { code, stderr, stdout } = await arbor(['frobnicate']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual(['arbor: unknown command "frobnicate" (commands: run, status, replay, diagram, check, state, inspect, dlq, send)']);
  });
});

describe.concurrent('arbor check', SPAWN, () => {
  it('prints its help and exits 0 with --help', async () => {
    const { code, stdout } = await arbor(['check', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: arbor check <module>');
  });

  it('exits 0 and reports every machine as ok for the example machines', async () => {
    const { code, stdout } = await arbor(['check', EXAMPLES, '--runs', '20']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/✓ order: ok/);
    expect(stdout).toMatch(/✓ trafficLight: ok/);
    expect(stdout).toMatch(/✓ counter: ok/);
  });

  it('exits 1 and prints one JSON object with every failure for the buggy machine with --json', async () => {
    const { code, stdout } = await arbor(['check', BUGGY, '--json', '--seed', '3']);
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as { ok: boolean; machines: { name: string; ok: boolean; failures: { kind: string }[] }[] };
    expect(result.ok).toBe(false);
    expect(result.machines.map((m) => m.name)).toEqual(['buggy']);
    expect(new Set(result.machines[0]?.failures.map((f) => f.kind))).toEqual(new Set(['error', 'invariant', 'deadlock', 'unreachable']));
  });

  it('prints a readable report with counterexamples and no colour codes when NO_COLOR is set', async () => {
    const { code, stdout } = await arbor(['check', BUGGY], { NO_COLOR: '1' });
    expect(code).toBe(1);
    expect(stdout).toContain('✗ buggy: 5 failures');
    expect(stdout).toContain('events: arm → fire');
    expect(stdout).not.toContain('\u001b[');
  });

  it('exits 2 with one line naming the file when the module does not exist', async () => {
    const { code, stderr } = await arbor(['check', 'nope/missing.ts']);
    expect(code).toBe(2);
    expect(stderr).toBe('arbor: module not found: nope/missing.ts\n');
  });

  it('exits 2 when the module exports no machines', async () => {
    const { code, stderr } = await arbor(['check', 'examples/machines/tree.ts']);
    expect(code).toBe(2);
    expect(stderr).toBe('arbor: examples/machines/tree.ts does not export "machines" (an object of named XState machines)\n');
  });

  it('exits 2 on an unknown flag or a bad flag value', async () => {
    const unknown = await arbor(['check', EXAMPLES, '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("arbor: Unknown option '--bogus'\n");
    const bad = await arbor(['check', EXAMPLES, '--runs', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('arbor: --runs must be an integer >= 1, got "many"\n');
  });
});

describe.concurrent('arbor diagram', SPAWN, () => {
  const dirs: string[] = [];
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'arbor-diagram-'));
    dirs.push(dir);
    return dir;
  }
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('prints its help and exits 0 with --help', async () => {
    const { code, stdout } = await arbor(['diagram', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: arbor diagram <module>');
  });

  it('writes one Mermaid file per machine and one of the supervision tree, and lists them', async () => {
    const out = await tempDir();
    const { code, stdout } = await arbor(['diagram', EXAMPLES, '--out', out]);
    expect(code).toBe(0);
    const files = ['order', 'trafficLight', 'counter', 'tree'].map((n) => join(out, `${n}.mmd`));
    expect(stdout.trim().split('\n')).toEqual(files);
    expect(await readFile(join(out, 'order.mmd'), 'utf8')).toMatch(/^stateDiagram-v2\n/);
    expect(await readFile(join(out, 'tree.mmd'), 'utf8')).toMatch(/^flowchart TD\n/);
  });

  it('writes SVG files, the tree included, and prints them as JSON with --json', async () => {
    const out = await tempDir();
    const { code, stdout } = await arbor(['diagram', EXAMPLES, '--format', 'svg', '--out', out, '--json']);
    expect(code).toBe(0);
    const { files } = JSON.parse(stdout) as { files: string[] };
    expect(files).toHaveLength(4);
    for (const file of files) expect(await readFile(file, 'utf8')).toContain('<svg');
  });

  it('exits 2 on an unknown format without writing anything', async () => {
    const out = join(await tempDir(), 'never');
    const { code, stderr } = await arbor(['diagram', EXAMPLES, '--format', 'png', '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toBe('arbor: --format must be one of mermaid, dot, svg, got "png"\n');
    expect(existsSync(out)).toBe(false);
  });
});
