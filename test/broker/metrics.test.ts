import { Writable } from 'node:stream';
import { afterAll, afterEach, expect, it } from 'vitest';
import pino from 'pino';
import { Connection } from 'rabbitmq-client';
import { setup } from 'xstate';
import { rabbitmqTransport } from '../../src/transport/index.js';
import { sample } from '../support/prom.js';
import { AMQP_URL, cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from './broker.js';

/** Whether the broker's management API answers (the plugin enabled: `.ci/run` enables it). */
async function managementUp(): Promise<boolean> {
  const u = new URL(AMQP_URL);
  try {
    const r = await fetch(`http://${u.hostname}:15672/api/overview`, { headers: { authorization: `Basic ${Buffer.from(`${decodeURIComponent(u.username || 'guest')}:${decodeURIComponent(u.password || 'guest')}`).toString('base64')}` }, signal: AbortSignal.timeout(3000) });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

/** A pino logger whose lines land in `lines` (parsed). */
function capturingLogger(lines: Record<string, unknown>[]) {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'warn' }, stream);
}

describeBroker('broker queue metrics', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('reports the depth and consumers of every node queue and of the pools a node uses', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster, {}, { metrics: { brokerPollInterval: 0 } });
    const b = await startSystem('b', cluster);
    await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'));
    const sink = b.spawn(setup({}).createMachine({}), { id: 'sink' });
    await b.servePool('jobs', sink);
    // A pool a sends to but nobody consumes on a: its queue only exists once b declared it.
    a.poolRef('jobs').send({ type: 'job' });
    const pool = `arbor.${cluster}.pool.jobs`;
    const queues = [`arbor.${cluster}.node.a`, `arbor.${cluster}.node.b`, pool];
    // The management API (used when it answers) refreshes its statistics every ~5 s: a new queue shows 0 consumers at first.
    let text = '';
    for (let i = 0; i < 100 && !queues.every((queue) => sample(text, 'arbor_broker_queue_consumers', { node: 'a', queue }) === 1); i++) {
      text = await a.metrics();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const queue of queues) {
      expect(sample(text, 'arbor_broker_queue_consumers', { node: 'a', queue })).toBe(1);
      expect(sample(text, 'arbor_broker_queue_messages', { node: 'a', queue })).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, 'arbor_broker_queue_consumers', { queue: pool, role: 'pool' })).toBe(1);
  });

  it('reports the unacknowledged messages of a pool queue from the management API', { timeout: 90_000 }, async (ctx) => {
    if (!(await managementUp())) {
      if (process.env.ARBOR_REQUIRE_BROKER === '1') throw new Error('the RabbitMQ management API does not answer on :15672 (rabbitmq-plugins enable rabbitmq_management; .ci/run does it)');
      ctx.skip();
    }
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster, {}, { metrics: { brokerPollInterval: 0 } });
    const b = await startSystem('b', cluster);
    // b declares the pool queue and stops serving it; a consumer of the test's own takes the jobs and never acks them.
    const stop = await b.servePool('jobs', b.spawn(setup({}).createMachine({}), { id: 'sink' }));
    await stop();
    const pool = `arbor.${cluster}.pool.jobs`;
    const connection = new Connection(AMQP_URL);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken = 0;
    const consumer = connection.createConsumer({ queue: pool, queueOptions: { passive: true }, qos: { prefetchCount: 10 }, concurrency: 10 }, async () => {
      taken++;
      await held;
    });
    try {
      // One a turn: pool sends of one turn would share one AMQP message (poolBatch).
      for (let i = 0; i < 3; i++) {
        a.poolRef('jobs').send({ type: 'job' });
        await new Promise((r) => setImmediate(r));
      }
      await waitFor('the test consumer to hold 3 jobs', () => taken === 3, 20_000);
      // The management plugin refreshes queue statistics every ~5 s.
      let unacked: number | undefined;
      for (let i = 0; i < 120 && unacked !== 3; i++) {
        unacked = sample(await a.metrics(), 'arbor_broker_queue_messages_unacknowledged', { node: 'a', queue: pool, role: 'pool' });
        if (unacked !== 3) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(unacked).toBe(3);
    } finally {
      release();
      await consumer.close();
      await connection.close();
    }
  });

  it('falls back to passive declares with one warning when the management API does not answer', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const lines: Record<string, unknown>[] = [];
    const a = await startSystem('a', cluster, {}, {
      metrics: { brokerPollInterval: 0 },
      logger: capturingLogger(lines),
      // Port 9 (discard) is closed here: the request is refused at once. The password must not show.
      transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 200, managementUrl: 'http://guest:s3cr3t-pw@127.0.0.1:9/%2F' }),
    });
    const node = `arbor.${cluster}.node.a`;
    for (let i = 0; i < 3; i++) {
      const text = await a.metrics();
      expect(sample(text, 'arbor_broker_queue_consumers', { node: 'a', queue: node })).toBe(1);
      expect(sample(text, 'arbor_broker_queue_messages_unacknowledged', { node: 'a', queue: node })).toBeUndefined();
    }
    const warnings = lines.filter((l) => String(l['msg']).includes('management API unavailable'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-pw');
    expect(String(warnings[0]?.['err'])).toContain('guest:***@127.0.0.1:9');
  });
});
