#!/usr/bin/env node
// The `arbor` command. It runs the compiled CLI (dist/, built by `npm run build`, which `npm ci`
// runs through `prepare`); tsx is loaded only to import a user's `.ts` module. In a checkout
// without dist/, or with ARBOR_CLI_SOURCE=1 (the tests set it, so they exercise the sources and
// never a stale build), it runs the TypeScript sources through tsx, a devDependency.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (process.env.ARBOR_CLI_SOURCE !== '1' && existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  await import('tsx');
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
