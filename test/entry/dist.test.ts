/**
 * The compiled package, as a user installs it: built from the current sources into a throwaway
 * folder (scripts/build.mjs --out), laid out as `node_modules/arbor` in two projects whose other
 * packages are the repository's own, one with tsx installed and one without tsx and esbuild (which
 * are devDependencies now). Fresh processes import it, run its CLI and typecheck against it.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli.js';

const TMP = mkdtempSync(join(tmpdir(), 'arbor-dist-'));
const BUILT = join(TMP, 'built');
/** A project with tsx installed, and one without tsx and esbuild. */
const WITH = join(TMP, 'with-tsx');
const WITHOUT = join(TMP, 'without-tsx');
const RECORDER = fileURLToPath(new URL('./record-to-file.mjs', import.meta.url));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function node(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeout = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    // ARBOR_CLI_SOURCE would make the CLI run its sources: the point here is the compiled code.
    const { ARBOR_CLI_SOURCE: _, ...inherited } = process.env;
    execFile(process.execPath, args, { cwd, env: { ...inherited, NO_COLOR: '1', ...env }, timeout }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A user project at `dir` with the built package as node_modules/arbor and the repository's packages but `leave`. */
function project(dir: string, leave: readonly string[]): void {
  const modules = join(dir, 'node_modules');
  const pkg = join(modules, 'arbor');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  cpSync(BUILT, join(pkg, 'dist'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'arbor' || leave.includes(name)) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
  writeFileSync(join(dir, 'machine.js'), "import { setup } from 'xstate';\nexport default setup({}).createMachine({ initial: 'a', states: { a: { type: 'final' } }, output: () => 42 });\n");
  writeFileSync(join(dir, 'machine.ts'), "import { setup } from 'xstate';\nconst n: number = 42;\nexport default setup({}).createMachine({ initial: 'a', states: { a: { type: 'final' } }, output: () => n });\n");
}

beforeAll(async () => {
  // tsc over the whole source tree: minutes on a loaded machine.
  const built = await node(ROOT, ['scripts/build.mjs', '--out', BUILT], {}, 540_000);
  expect(built.stderr + built.stdout).toBe('');
  expect(built.code).toBe(0);
  project(WITH, []);
  project(WITHOUT, ['tsx', 'esbuild', '@esbuild']);
}, 600_000);
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SLOW = { timeout: 240_000 };

describe.concurrent('the compiled package', SLOW, () => {
  it('imports in a fresh process without tsx or esbuild installed, every entry point, and runs a supervision tree', async () => {
    const app = [
      "import { createSystem, supervisor } from 'arbor';",
      "import { setup } from 'xstate';",
      "for (const sub of ['patterns', 'check', 'diagrams', 'journal', 'rabbitmq', 'store', 'workflow', 'inspector']) await import(`arbor/${sub}`);",
      "const done = setup({}).createMachine({ initial: 'a', states: { a: { type: 'final' } }, output: () => 42 });",
      'const system = await createSystem({ logger: false });',
      "const root = system.spawn(supervisor({ aggregate: { policy: 'all' }, children: [{ id: 'x', logic: done, restart: 'transient' }] }), { id: 'root' });",
      'process.stdout.write(JSON.stringify(await root.result()));',
      'await system.shutdown();',
    ].join('\n');
    writeFileSync(join(WITHOUT, 'app.mjs'), app);
    const ran = await node(WITHOUT, ['app.mjs']);
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual({ x: 42 });
  });

  it('serves the inspector page it bundled at build time, without esbuild', async () => {
    writeFileSync(join(WITHOUT, 'assets.mjs'), "const { assets } = await import('./node_modules/arbor/dist/inspector/assets.js');\nconst files = await assets();\nprocess.stdout.write(JSON.stringify([...files].map(([path, file]) => [path, file.body.length])));\n");
    const ran = await node(WITHOUT, ['assets.mjs']);
    expect(ran.stderr).toBe('');
    const sizes = new Map(JSON.parse(ran.stdout) as [string, number][]);
    expect([...sizes.keys()]).toEqual(['/', '/app.js', '/app.css']);
    expect(sizes.get('/app.js')).toBeGreaterThan(1000);
  });

  it('runs `arbor --help` and a JavaScript module without tsx installed', async () => {
    const help = await node(WITHOUT, ['node_modules/arbor/bin/arbor.js', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: arbor <command>');
    const run = await node(WITHOUT, ['node_modules/arbor/bin/arbor.js', 'run', 'machine.js']);
    expect(run.stdout).toMatch(/exited normally: 42/);
    expect(run.code).toBe(0);
  });

  it('checks a JavaScript workflow module on worker threads without tsx installed, with the same report as one thread', async () => {
    writeFileSync(
      join(WITHOUT, 'flow.js'),
      [
        "import fc from 'fast-check';",
        "import { assign, setup } from 'xstate';",
        "import { supervisor } from 'arbor';",
        'const counter = setup({}).createMachine({ context: { n: 0 }, on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } } });',
        'export const workflows = { counter: {',
        "  name: 'counter', root: supervisor({ children: [{ id: 'c', logic: counter }] }),",
        "  inputs: fc.array(fc.constant({ to: 'root/c', event: { type: 'inc' } }), { maxLength: 4 }), faults: { crash: ['root/c'] },",
        "  invariants: { 'stays below 3': (view) => view.snapshot('root/c').context.n < 3 },",
        '} };',
      ].join('\n'),
    );
    const one = await node(WITHOUT, ['node_modules/arbor/bin/arbor.js', 'check', 'flow.js', '--json', '--seed', '3']);
    const two = await node(WITHOUT, ['node_modules/arbor/bin/arbor.js', 'check', 'flow.js', '--json', '--seed', '3', '--workers', '2', '--workers-start', 'eager']);
    expect(two.stderr).toBe('');
    expect(two.code).toBe(1);
    expect(JSON.parse(two.stdout)).toMatchObject({ ok: false, workflows: [{ name: 'counter', ok: false }] });
    expect(two.stdout).toBe(one.stdout);
  });

  it('checks on worker threads from a TypeScript source this thread cannot import (the workers register tsx), and fails one that builds another spec', async () => {
    writeFileSync(
      join(WITH, 'counter.js'),
      [
        "import fc from 'fast-check';",
        "import { assign, setup } from 'xstate';",
        "import { supervisor } from 'arbor';",
        'const counter = setup({}).createMachine({ context: { n: 0 }, on: { inc: { actions: assign({ n: ({ context }) => context.n + 1 }) } } });',
        'export const counterFlow = (other) => ({',
        "  name: 'counter', root: supervisor({ children: [{ id: 'c', logic: counter }] }), seed: 3, numRuns: 30,",
        "  inputs: fc.array(fc.constant({ to: 'root/c', event: { type: 'inc' } }), { maxLength: 4 }), faults: { crash: ['root/c'] },",
        "  invariants: other ? { other: () => true } : { 'stays below 3': (view) => view.snapshot('root/c').context.n < 3 },",
        '});',
      ].join('\n'),
    );
    writeFileSync(join(WITH, 'flow.ts'), "export { counterFlow } from './counter.js';\nexport const typed: number = 1;\n");
    writeFileSync(
      join(WITH, 'main.js'),
      [
        "import { checkWorkflow } from 'arbor';",
        "import { counterFlow } from './counter.js';",
        'const one = JSON.stringify(await checkWorkflow(counterFlow()));',
        "const source = (args) => ({ module: 'flow.ts', export: 'counterFlow', args });",
        'const two = JSON.stringify(await checkWorkflow({ ...counterFlow(), workers: 2, source: source([]) }));',
        "const bad = await checkWorkflow({ ...counterFlow(), workers: 2, source: source([true]) }).then(() => 'passed', (err) => err.code + ': ' + err.message);",
        'console.log(JSON.stringify({ same: one === two, failed: JSON.parse(one).ok === false, bad }));',
      ].join('\n'),
    );
    const run = await node(WITH, ['main.js']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ same: true, failed: true, bad: expect.stringMatching(/^SOURCE_INVALID: .*builds another spec/) });
  });

  it('says to install tsx when given a TypeScript module without it', async () => {
    const run = await node(WITHOUT, ['node_modules/arbor/bin/arbor.js', 'run', 'machine.ts']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('arbor: cannot load machine.ts: loading a TypeScript module needs tsx, which is not installed; run `npm i -D tsx`');
  });

  it('does not load tsx for `arbor --help`, and loads it for a TypeScript module', async () => {
    const loads = (name: string) => join(TMP, `loads-${name}.txt`);
    const help = await node(WITH, ['--import', RECORDER, 'node_modules/arbor/bin/arbor.js', '--help'], { ARBOR_LOADS_FILE: loads('help') });
    expect(help.code).toBe(0);
    const helpLoads = readFileSync(loads('help'), 'utf8').split('\n');
    expect(helpLoads.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(helpLoads.filter((url) => url.includes('/node_modules/tsx/'))).toEqual([]);
    const run = await node(WITH, ['--import', RECORDER, 'node_modules/arbor/bin/arbor.js', 'run', 'machine.ts'], { ARBOR_LOADS_FILE: loads('run') });
    expect(run.stdout).toMatch(/exited normally: 42/);
    expect(run.code).toBe(0);
    expect(readFileSync(loads('run'), 'utf8').split('\n').some((url) => url.includes('/node_modules/tsx/'))).toBe(true);
  });

  it('typechecks a strict TypeScript project against its declarations', async () => {
    writeFileSync(
      join(WITH, 'typed.ts'),
      [
        "import { createSystem, supervisor, type ActorRef } from 'arbor';",
        "import { scatterGather } from 'arbor/patterns';",
        "import { setup } from 'xstate';",
        "const done = setup({ types: { output: {} as number } }).createMachine({ initial: 'a', states: { a: { type: 'final' } }, output: () => 42 });",
        'const system = await createSystem({ logger: false });',
        "const root = system.spawn(supervisor({ children: [{ id: 'x', logic: done }] }), { id: 'root' });",
        'const ref: ActorRef | undefined = system.lookup(\'root/x\');',
        'const output: number | undefined = (await root.result()).x;',
        'export { root, ref, output, scatterGather };',
      ].join('\n'),
    );
    writeFileSync(join(WITH, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['typed.ts'] }));
    const checked = await node(WITH, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });

  it('packs bin, the compiled code and its declarations, and depends on neither tsx nor esbuild', async () => {
    const npm = await new Promise<Ran>((resolve) => {
      execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(WITH, 'node_modules/arbor'), timeout: 120_000 }, (error, stdout, stderr) => resolve({ code: error ? -1 : 0, stdout, stderr }));
    });
    expect(npm.code).toBe(0);
    const [packed] = JSON.parse(npm.stdout) as { files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    for (const file of ['bin/arbor.js', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/patterns/index.js', 'dist/inspector/ui/app.js', 'dist/inspector/ui/index.html']) expect(files).toContain(file);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('esbuild');
    expect(pkg.peerDependenciesMeta['tsx']?.optional).toBe(true);
  });
});
