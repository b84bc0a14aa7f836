/**
 * The page's files, served from the package itself (no CDN: the page works without internet).
 * The front end is TypeScript in `./ui`. The compiled package carries it bundled
 * (dist/inspector/ui/app.js, written by scripts/build.mjs), read on first request; run from the
 * sources, it is bundled with esbuild (a devDependency) on first request. Either way it is kept
 * in memory, and nothing is loaded until a system serves the page.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ArborError } from '../runtime/errors.js';

/** One file to send. */
export interface Asset {
  type: string;
  body: string;
}

let bundled: Promise<Map<string, Asset>> | undefined;

/** The page's files by URL path (`/`, `/app.js`, `/app.css`). */
export function assets(): Promise<Map<string, Asset>> {
  bundled ??= build().catch((err: unknown) => {
    bundled = undefined;
    throw err;
  });
  return bundled;
}

async function build(): Promise<Map<string, Asset>> {
  const dir = fileURLToPath(new URL('./ui/', import.meta.url));
  const [js, html, css] = await Promise.all([existsSync(dir + 'app.js') ? readFile(dir + 'app.js', 'utf8') : bundle(dir), readFile(dir + 'index.html', 'utf8'), readFile(dir + 'style.css', 'utf8')]);
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: js }],
    ['/app.css', { type: 'text/css; charset=utf-8', body: css }],
  ]);
}

/** The page's script bundled from the sources in `dir` (the options scripts/build.mjs uses too). */
async function bundle(dir: string): Promise<string> {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: [dir + 'main.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0];
  if (!js) throw new ArborError('INSPECTOR_FAILED', 'the inspector page did not build', { entry: dir + 'main.ts' });
  return js.text;
}
