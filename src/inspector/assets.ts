/**
 * The page's files, served from the package itself (no CDN: the page works without internet).
 * The front end is TypeScript in `./ui`, bundled with esbuild on first request and kept in
 * memory; esbuild is loaded only then, so a system that never serves the page never loads it.
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

/** The `ui` folder: next to this file in the sources, under `src/` when running from `dist/`. */
function uiDir(): string {
  const here = fileURLToPath(new URL('./ui/', import.meta.url));
  if (existsSync(here + 'main.ts')) return here;
  return fileURLToPath(new URL('../../src/inspector/ui/', import.meta.url));
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
  const dir = uiDir();
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
  const [html, css] = await Promise.all([readFile(dir + 'index.html', 'utf8'), readFile(dir + 'style.css', 'utf8')]);
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: js.text }],
    ['/app.css', { type: 'text/css; charset=utf-8', body: css }],
  ]);
}
