import { execFile } from 'node:child_process';
import { expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli.js';

// In a fresh process: vitest's own workers may have loaded the drivers already.
const SCRIPT = `
import { createRequire } from 'node:module';
const arbor = await import('./src/index.ts');
const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules[\\\\/](better-sqlite3|pg|pg-pool)[\\\\/]/.test(k)).length;
const atImport = loaded();
arbor.localStore('x');
arbor.postgresStore({ url: 'postgres://h/db' });
console.log(JSON.stringify({ atImport, afterFactories: loaded(), exports: [typeof arbor.localStore, typeof arbor.postgresStore, typeof arbor.GroupCommitter] }));
`;

it('importing arbor, and making stores without using them, loads neither better-sqlite3 nor pg', { timeout: 60_000 }, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: ROOT }, (error, out, err) => (error ? reject(new Error(err)) : resolve(out)));
  });
  expect(JSON.parse(stdout)).toEqual({ atImport: 0, afterFactories: 0, exports: ['function', 'function', 'function'] });
});
