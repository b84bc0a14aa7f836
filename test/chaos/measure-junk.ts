/**
 * Figures for the junk scenario (not a test: prints, asserts nothing). Publishes N undecodable
 * frames into node b's queue, then (once they are on the broker) asks b's actor from a, and reports how long the ask took and
 * how long b needed to dead-letter all the junk.
 *
 *   npx tsx test/chaos/measure-junk.ts [N]
 */
import { Connection } from 'rabbitmq-client';
import { setup, sendTo, type AnyActorRef } from 'xstate';
import { Topology } from '../../src/transport/topology.js';
import { AMQP_URL, cleanupClusters, queueDepth, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';

const N = Number(process.argv[2] ?? 10_000);
const echo = setup({ types: { events: {} as { type: 'ping'; replyTo: AnyActorRef } } }).createMachine({
  on: { ping: { actions: sendTo(({ event }) => event.replyTo, { type: 'pong' }) } },
});

const cluster = uniqueCluster();
const topology = new Topology(cluster);
const b = await startSystem('b', cluster);
const a = await startSystem('a', cluster);
b.spawn(echo, { id: 'root' });
await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'));
const target = a.lookup('arbor://b/root')!;
await target.ask({ type: 'ping' }, { timeout: 10_000 });

const connection = new Connection({ url: AMQP_URL });
connection.on('error', () => undefined);
const publisher = connection.createPublisher({ confirm: true });
const started = performance.now();
const sends: Promise<void>[] = [];
for (let i = 0; i < N; i++) sends.push(publisher.send({ exchange: topology.exchange, routingKey: topology.envelopeKey('b', 'user', { type: 'junk' }) }, Buffer.from([0xc1, i & 0xff])));
// The ask is sent once the junk is on the broker, so it queues behind all of it.
await Promise.all(sends);
const publishedMs = performance.now() - started;
const askMs = await target.ask({ type: 'ping' }, { timeout: 120_000 }).then(() => performance.now() - started);
let clearedMs = 0;
for (;;) {
  if ((await queueDepth(topology.deadQueue)) >= N) {
    clearedMs = performance.now() - started;
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
process.stdout.write(`junk frames ${N}: on the broker after ${publishedMs.toFixed(0)} ms; ask behind them answered after ${askMs.toFixed(0)} ms; all dead-lettered after ${clearedMs.toFixed(0)} ms (${((N / clearedMs) * 1000).toFixed(0)}/s)\n`);
await publisher.close();
await connection.close();
await shutdownSystems();
await cleanupClusters();
