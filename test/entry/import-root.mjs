// Run by light-import.test.ts in a fresh process: imports the root entry (src/index.ts, through
// tsx) and prints, as JSON, the URL of every module resolved while it loads.
import { register } from 'node:module';
import { URL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
const loaded = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => loaded.push(url));
register(new URL('./record-loads.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });
await import(new URL('../../src/index.ts', import.meta.url).href);
// Messages from the hooks thread arrive asynchronously: wait until none came for a while.
for (let seen = -1; seen !== loaded.length; ) {
  seen = loaded.length;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
port1.close();
process.stdout.write(JSON.stringify(loaded));
