/** `npm start`'s entry, spawned as `npm start` runs it (not on a terminal: progress lines, no cursor control). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMain as main, tempOut } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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

  it('with --inspect prints the inspector’s URL, serves the page while the demo runs, and keeps it up until SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/main.ts', '--inspect', '--inspect-port', '0', '--speed', '0.5', '--out', await tempOut()], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const seen = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) resolve(m);
          else child.stdout.once('data', check);
        };
        check();
      });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = (await seen(/Inspector: (http:\/\/127\.0\.0\.1:\d+\/)/))[1] as string;
    const snapshot = (await (await fetch(`${url}api/snapshot`)).json()) as { self: string };
    expect(snapshot.self).toBe('owner');
    await seen(/inspector stays up at/);
    expect((await fetch(url)).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/Summary +seed 42/);
  }, 60_000);
});
