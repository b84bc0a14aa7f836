// `npm run build` (and `prepare`, so `npm ci` runs it): compiles the library and the CLI to
// dist/ (JavaScript, declarations, source maps) and bundles the inspector's page into
// dist/inspector/ui/, so the published package needs neither tsx nor esbuild at run time.
// dist/ is removed first: a file left from a deleted source would otherwise still be importable.
// `--out <dir>` builds into another folder (test/entry/dist.test.ts builds a throwaway package).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 && process.argv[outAt + 1] ? `${resolve(process.argv[outAt + 1])}/` : `${root}dist/`;
const ui = `${root}src/inspector/ui/`;
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${root}tsconfig.build.json`, '--outDir', dist], { stdio: 'inherit' });

// The same options as src/inspector/assets.ts uses when it bundles from the sources.
const { buildSync } = await import('esbuild');
const out = `${dist}inspector/ui/`;
mkdirSync(out, { recursive: true });
const result = buildSync({ entryPoints: [`${ui}main.ts`], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2020', minify: true, legalComments: 'none', logLevel: 'warning' });
writeFileSync(`${out}app.js`, result.outputFiles[0].text);
for (const file of ['index.html', 'style.css']) copyFileSync(`${ui}${file}`, `${out}${file}`);
