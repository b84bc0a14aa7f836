// `node --import` preload for dist.test.ts: appends the URL of every module the process resolves
// through the ESM loader to the file named by ARBOR_LOADS_FILE, one a line.
import { register } from 'node:module';
import { URL } from 'node:url';

register(new URL('./append-loads.mjs', import.meta.url), { data: { file: process.env.ARBOR_LOADS_FILE } });
