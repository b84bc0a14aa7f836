import { describe, expect, it } from 'vitest';
import { arbor } from '../cli/run-cli.js';

// Each test starts node with tsx and checks two workflows: generous on a loaded machine.
const SPAWN = { timeout: 120_000 };
const BANK = 'examples/workflows/bank.ts';

describe('arbor check on a module that exports workflows', SPAWN, () => {
  it('prints the shrunk timeline of the failing workflow, passes the correct one, and exits 1', async () => {
    const { code, stdout } = await arbor(['check', BANK, '--runs', '60'], { NO_COLOR: '1' });
    expect(code).toBe(1);
    expect(stdout).toContain('✗ workflow transfers (buggy coordinator)');
    expect(stdout).toContain('CRASH     a/root/coord  ✗ while processing debited');
    expect(stdout).toMatch(/✓ +workflow transfers \(safe coordinator\): 60 runs/);
  });

  it('prints one JSON object with the workflow reports under --json, the same for the same --seed', async () => {
    const first = await arbor(['check', BANK, '--json', '--seed', '4', '--runs', '30']);
    const second = await arbor(['check', BANK, '--json', '--seed', '4', '--runs', '30']);
    expect(first.code).toBe(1);
    const report = JSON.parse(first.stdout) as { ok: boolean; machines: unknown[]; workflows: { name: string; ok: boolean; failures: { seed: number }[] }[] };
    expect(report.ok).toBe(false);
    expect(report.machines).toEqual([]);
    expect(report.workflows.map((w) => [w.name, w.ok])).toEqual([
      ['transfers (buggy coordinator)', false],
      ['transfers (safe coordinator)', true],
    ]);
    expect(report.workflows[0]!.failures[0]!.seed).toBe(4);
    expect(second.stdout).toBe(first.stdout);
  });

  it('prints the same report with --workers 2, the workers (started at once) loading the module`s workflows themselves, or started adaptively', async () => {
    const one = await arbor(['check', BANK, '--json', '--seed', '6', '--runs', '40']);
    for (const start of [['--workers-start', 'eager'], []]) {
      const two = await arbor(['check', BANK, '--json', '--seed', '6', '--runs', '40', '--workers', '2', ...start]);
      expect(two.stderr).toBe('');
      expect(two.code).toBe(1);
      expect(two.stdout).toBe(one.stdout);
    }
  });

  it('rejects --workers 0 as a usage error', async () => {
    const { code, stderr } = await arbor(['check', BANK, '--workers', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('--workers must be an integer >= 1, got "0"');
    const start = await arbor(['check', BANK, '--workers', '2', '--workers-start', 'lazy']);
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('--workers-start must be one of adaptive, eager, got "lazy"');
  });
});
