/**
 * `import 'arbor'` stays light: it does not load what only some users need (the diagram renderer,
 * the CLI and its TypeScript loader). Checked in a fresh process that records every module
 * resolved while the root entry loads.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

let loaded: string[] = [];

beforeAll(() => {
  const script = fileURLToPath(new URL('./import-root.mjs', import.meta.url));
  loaded = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 })) as string[];
}, 90_000);

const fromPackage = (name: string) => loaded.filter((url) => url.includes(`/node_modules/${name}/`));

describe('the root entry', () => {
  it('loads the runtime, supervision and distribution code it exports', () => {
    for (const file of ['src/runtime/actor-system.ts', 'src/supervision/supervisor-cell.ts', 'src/remote/cluster.ts', 'src/create-system.ts']) {
      expect(loaded.some((url) => url.endsWith(file))).toBe(true);
    }
  });

  it('does not load the Graphviz renderer (@viz-js/viz) until an SVG is asked for', () => {
    expect(fromPackage('@viz-js/viz')).toEqual([]);
  });

  it('does not load fast-check or the checker until a machine or workflow is checked', () => {
    expect(fromPackage('fast-check')).toEqual([]);
    expect(loaded.filter((url) => url.includes('/src/check/explore') || url.includes('/src/workflow/check'))).toEqual([]);
  });

  it('does not load the inspector or its bundler unless a system asks for the inspector', () => {
    expect(loaded.filter((url) => url.includes('/src/inspector/'))).toEqual([]);
    expect(fromPackage('esbuild')).toEqual([]);
  });

  it('does not load the CLI, its pretty printer or its TypeScript loader', () => {
    expect(loaded.filter((url) => url.includes('/src/cli/'))).toEqual([]);
    expect(fromPackage('pino-pretty')).toEqual([]);
    // tsx compiles this probe's TypeScript, registered before the recording starts: nothing the
    // root entry imports may ask for it again.
    expect(fromPackage('tsx')).toEqual([]);
  });
});
