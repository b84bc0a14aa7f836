/** What a new user sees from `arbor run` when something is wrong, and when nothing is. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arbor, ROOT } from './run-cli.js';

const SPAWN = { timeout: 60_000 };
// Inside the repository, so the module is ESM like the user's project (its package.json says so).
const DIR = join(ROOT, 'test/cli/fixtures', `generated-${process.pid}`);
afterAll(() => rm(DIR, { recursive: true, force: true }));

async function moduleWith(name: string, source: string): Promise<string> {
  await mkdir(DIR, { recursive: true });
  await writeFile(join(DIR, name), source);
  return `test/cli/fixtures/generated-${process.pid}/${name}`;
}

describe.concurrent('arbor run, as a new user sees it', SPAWN, () => {
  it('names the file, line, column and message of a syntax error, with the line and a caret', async () => {
    const path = await moduleWith('syntax.ts', 'export const x = 1;\nconst y = ;\nexport default {};\n');
    const { code, stderr } = await arbor(['run', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`arbor: cannot load ${path}: syntax error at ${path}:2:10: Unexpected ";"`);
    expect(stderr).toContain('    const y = ;\n              ^');
    expect(stderr).not.toContain('Transform failed');
  });

  it('shows where an error thrown at load came from, and the whole stack with --verbose', async () => {
    const path = await moduleWith('throws.ts', "export default {};\nthrow new Error('no config file');\n");
    const plain = await arbor(['run', path]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(new RegExp(`cannot load ${path}: no config file\\n +at .*throws\\.ts:2:7\\)`));
    const verbose = await arbor(['run', path, '--verbose']);
    expect(verbose.stderr).toContain('at async main');
  });

  it('logs no error line for a clean run that ends by auto-shutdown', async () => {
    const { code, stderr } = await arbor(['run', 'examples/run-app.ts', '--json']);
    expect(code).toBe(0);
    const logs = stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string });
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'supervisor shutdown', reason: 'AUTO_SHUTDOWN', level: 30 }));
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('names the child and the root cause when the root gives up, in the last line and in --json', async () => {
    const { code, stderr } = await arbor(['run', 'test/cli/fixtures/failing.ts', '--node', 'n7']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^arbor: arbor:\/\/n7\/root failed: MAX_RESTART_INTENSITY: .*\(last: child crasher\); root cause: cannot start$/);
    const json = await arbor(['run', 'test/cli/fixtures/failing.ts', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'MAX_RESTART_INTENSITY', child: 'crasher', rootCause: { message: 'cannot start' } } });
  });

  it('prints one JSON error object on stdout with --json when the module cannot be used', async () => {
    const { code, stdout } = await arbor(['run', 'test/cli/fixtures/no-default.ts', '--json']);
    expect(code).toBe(2);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_MODULE' } });
  });
});
