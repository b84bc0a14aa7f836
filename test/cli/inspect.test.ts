/** `arbor inspect`: serves the page until a signal, and refuses bad flags and taken ports. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { arbor, spawnArbor } from './run-cli.js';

const SPAWN = { timeout: 60_000 };

describe('arbor inspect', SPAWN, () => {
  it('prints the page’s URL, serves it and its status until SIGTERM, then exits 0', async () => {
    const running = spawnArbor(['inspect', '--port', '0', '--json', '--token', 'abc']);
    await running.waitFor(/"url"/, 'stdout', 30_000);
    const { url, node } = JSON.parse(running.stdout().trim().split('\n')[0] as string) as { url: string; node: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=abc$/);
    expect(node).toMatch(/^arbor-inspect-/);
    const base = new URL(url);
    expect((await fetch(`${base.origin}/api/status`)).status).toBe(401);
    const status = (await (await fetch(`${base.origin}/api/status?token=abc`)).json()) as { trees: Array<{ node: string }> };
    expect(status.trees.map((t) => t.node)).toEqual([node]);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });

  it('exits 2 with a one-line error when the port is taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const { code, stderr } = await arbor(['inspect', '--port', String(port)]);
    server.close();
    expect(code).toBe(2);
    expect(stderr).toContain(`could not listen on 127.0.0.1:${port}`);
  });

  it('exits 2 on a bad flag', async () => {
    const { code, stderr } = await arbor(['inspect', '--port', 'many']);
    expect(code).toBe(2);
    expect(stderr).toContain('--port');
  });
});
