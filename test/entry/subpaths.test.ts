/**
 * The package's entry points: the root and one subpath per optional area (`arbor/patterns`,
 * `arbor/check`, `arbor/diagrams`, `arbor/journal`, `arbor/rabbitmq`, `arbor/store`, `arbor/workflow`,
 * `arbor/inspector`), each with types, sources
 * (the `arbor-source` condition) and compiled code, laid out alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Entry = { types: string; 'arbor-source': string; default: string };
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Entry | string> };
const entries = Object.entries(pkg.exports).filter((e): e is [string, Entry] => typeof e[1] === 'object');

describe('package entry points', () => {
  it('has the root and the subpaths for patterns, check, diagrams, journal, rabbitmq, store, workflow and inspector', () => {
    expect(entries.map(([name]) => name)).toEqual(['.', './patterns', './check', './diagrams', './journal', './rabbitmq', './store', './workflow', './inspector']);
  });

  it.each(entries)('%s names a source file that exists, and types and code compiled from it', async (_name, entry) => {
    expect(existsSync(new URL(`../../${entry['arbor-source']}`, import.meta.url))).toBe(true);
    const compiled = entry['arbor-source'].replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '');
    expect(entry.default).toBe(`${compiled}.js`);
    expect(entry.types).toBe(`${compiled}.d.ts`);
    const mod = (await import(`../../${entry['arbor-source']}`)) as Record<string, unknown>;
    expect(Object.keys(mod).length).toBeGreaterThan(0);
  });

  it('keeps every root export that the subpaths also offer identical (one module, not a copy)', async () => {
    const root = (await import('../../src/index.js')) as Record<string, unknown>;
    // The root's checkMachine and checkWorkflow are lazy wrappers, not the checkers themselves.
    for (const [name, entry] of entries.filter(([n]) => n !== '.' && n !== './check' && n !== './workflow')) {
      const sub = (await import(`../../${entry['arbor-source']}`)) as Record<string, unknown>;
      for (const key of Object.keys(sub).filter((k) => k in root)) expect(root[key], `${name} ${key}`).toBe(sub[key]);
    }
  });
});
