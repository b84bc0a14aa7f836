/** `npm start`'s entry, spawned as `npm start` runs it (not on a terminal: progress lines, no cursor control). */
import { describe, expect, it } from 'vitest';
import { runMain as main, tempOut } from './helpers.js';

describe('npm start', () => {
  it('exits 0 and prints progress lines and a summary when stdout is not a terminal', async () => {
    const r = await main(['--speed', '0.2', '--out', await tempOut()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('restarted by root/research');
    expect(r.stdout).toMatch(/Summary +seed 42/);
    expect(r.stdout).toContain('published');
    expect(r.stdout).not.toContain('\x1b[');
  }, 60_000);

  it('prints its help and exits 0; a bad option exits 2 with the help', async () => {
    const help = await main(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--broker URL');
    const bad = await main(['--seed', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seed must be an integer');
  }, 60_000);
});
