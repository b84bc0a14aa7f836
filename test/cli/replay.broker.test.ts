import { Connection } from 'rabbitmq-client';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { journalQueue, streamJournal } from '../../src/journal/index.js';
import { AMQP_URL, describeBroker, uniqueCluster } from '../broker/broker.js';

const clusters: string[] = [];
afterAll(async () => {
  if (clusters.length === 0) return;
  const connection = new Connection({ url: AMQP_URL });
  connection.on('error', () => undefined);
  for (const c of clusters) await connection.queueDelete({ queue: journalQueue(c) }).catch(() => undefined);
  await connection.close();
});

describeBroker('arbor replay --broker', () => {
  it("prints the timeline of a workflow from the cluster's journal stream", async () => {
    const cluster = uniqueCluster();
    clusters.push(cluster);
    const journal = streamJournal({ url: AMQP_URL, cluster, logger: false });
    journal.append({ node: 'a', to: 'arbor://a/root/x', at: 100, event: { type: 'start', id: 'e1', correlationId: 'w1' } });
    journal.append({ node: 'b', to: 'arbor://a/root/y', at: 130, event: { type: 'other', correlationId: 'w2' } });
    journal.append({ node: 'b', to: 'arbor://a/root/y', at: 160, event: { type: 'next', id: 'e2', correlationId: 'w1', causationId: 'e1' } });
    await journal.close();
    let out = '';
    const io: Io = { out: (t) => void (out += t), err: () => undefined, color: false };
    expect(await main(['replay', '--broker', AMQP_URL, '--cluster', cluster, '--correlation', 'w1', '--idle', '300'], io)).toBe(0);
    expect(out.split('\n')).toEqual([
      `cluster ${cluster} journal stream, workflow w1: 2 events over 0.060 s on 2 nodes`,
      '   +0.000s  root/x  start  id=e1 @a',
      '   +0.060s  root/y  next   id=e2  cause=e1 @b',
      '',
    ]);
  });
});
