/**
 * A quick local measurement (not a test): throughput of small messages from one node to another
 * with coalescing on and off, on the real broker. Run with
 *   npx tsx test/broker/measure-coalescing.ts [messages] [rounds]
 * Prints messages per second for each mode and their ratio, measured in the same run.
 */
import pino from 'pino';
import { realClock } from '../../src/runtime/clock.js';
import type { TransportHost } from '../../src/runtime/transport.js';
import { rabbitmqTransport } from '../../src/transport/index.js';
import { AMQP_URL, cleanupClusters, uniqueCluster } from './broker.js';

const messages = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const logger = pino({ level: 'silent' });

function host(node: string, onDeliver: () => void): TransportHost {
  return {
    node,
    kinds: [],
    logger,
    clock: realClock,
    deliver: () => {
      onDeliver();
      return { ok: true };
    },
    undeliverable: (_e, err) => {
      throw err;
    },
    nodeUp: () => undefined,
    nodeDown: () => undefined,
  };
}

/** Sends `messages` envelopes in bursts of 100 per tick; resolves to messages per second. */
async function measure(coalesce: boolean): Promise<number> {
  const cluster = uniqueCluster();
  let received = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const a = rabbitmqTransport({ url: AMQP_URL, cluster, coalesce });
  const b = rabbitmqTransport({ url: AMQP_URL, cluster, prefetch: 256 });
  await a.start(host('a', () => undefined));
  await b.start(host('b', () => ++received === messages && done()));
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    a.send('b', { id: `m${i}`, to: 'arbor://b/root/w', kind: 'user', body: { type: 'tick', i }, sentAt: Date.now() });
    // Yield every 100 sends, as an actor system would between mailbox turns.
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  await all;
  const rate = messages / ((performance.now() - started) / 1000);
  await Promise.all([a.stop(), b.stop()]);
  return rate;
}

const results: { on: number; off: number }[] = [];
for (let r = 0; r < rounds; r++) {
  const off = await measure(false);
  const on = await measure(true);
  results.push({ on, off });
  console.log(`round ${r + 1}: coalesce off ${off.toFixed(0)} msg/s, on ${on.toFixed(0)} msg/s, ratio ${(on / off).toFixed(2)}x`);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
const on = median(results.map((r) => r.on));
const off = median(results.map((r) => r.off));
console.log(`median of ${rounds} rounds, ${messages} messages each: off ${off.toFixed(0)} msg/s, on ${on.toFixed(0)} msg/s, ratio ${(on / off).toFixed(2)}x`);
await cleanupClusters();
