import { Connection } from 'rabbitmq-client';
import { afterAll, expect, it } from 'vitest';
import { createSystem } from '../../src/index.js';
import { isGap, journalQueue, readJournal, replayJournal, streamJournal, type StoredEntry } from '../../src/journal/index.js';
import { AMQP_URL, describeBroker, uniqueCluster } from '../broker/broker.js';
import { finalStates } from './bank-run.js';
import { bank } from './machines.js';
import { records, recordingLogger } from './helpers.js';

const used: string[] = [];

function cluster(): string {
  const name = uniqueCluster();
  used.push(name);
  return name;
}

afterAll(async () => {
  if (used.length === 0) return;
  const connection = new Connection({ url: AMQP_URL });
  connection.on('error', () => undefined);
  try {
    for (const name of used) await connection.queueDelete({ queue: journalQueue(name) }).catch(() => undefined);
  } finally {
    await connection.close();
  }
});

describeBroker('streamJournal (RabbitMQ stream queue)', () => {
  it('appends entries to a durable stream queue and reads them back in order from the first offset', async () => {
    const name = cluster();
    const journal = streamJournal({ url: AMQP_URL, cluster: name, batchLines: 7, maxInFlight: 4, logger: false });
    for (let i = 1; i <= 500; i++) journal.append({ node: 'n1', to: 'arbor://n1/root/w', at: i, event: { type: 'work', i, replyTo: { path: 'arbor://n1/$ask/9', send: () => undefined } } });
    await journal.close();
    const all = await records({ url: AMQP_URL, cluster: name, idleTimeout: 300 });
    expect(all.filter(isGap)).toEqual([]);
    expect(all.map((r) => (r as StoredEntry).seq)).toEqual(Array.from({ length: 500 }, (_, k) => k + 1));
    expect(all[0]).toEqual({ seq: 1, node: 'n1', to: 'arbor://n1/root/w', at: 1, event: { type: 'work', i: 1, replyTo: { $ref: 'arbor://n1/$ask/9' } } });
  });

  it('journals a running system to the stream and replays it into a fresh one with the same final states', async () => {
    const name = cluster();
    const system = await createSystem({ node: 'n1', logger: false, journal: streamJournal({ url: AMQP_URL, cluster: name, logger: false }) });
    system.spawn(bank, { id: 'root' });
    const alice = system.lookup('root/alice');
    const bob = system.lookup('root/bob');
    for (let i = 1; i <= 30; i++) {
      alice?.send({ type: 'deposit', amount: i });
      if (i % 4 === 0) bob?.send({ type: 'withdraw', amount: 3 });
      if (i % 5 === 0) bob?.send({ type: 'deposit', amount: 2 });
      if (i === 10) alice?.send({ type: 'freeze' });
      if (i === 12) alice?.send({ type: 'thaw' });
    }
    await system.idle();
    const original = finalStates(system);
    await system.shutdown();

    const fresh = await createSystem({ logger: false });
    fresh.spawn(bank, { id: 'root' });
    const result = await replayJournal(readJournal({ url: AMQP_URL, cluster: name, idleTimeout: 300 }), fresh);
    expect(result.sent).toBe(30 + 7 + 6 + 2);
    expect(finalStates(fresh)).toEqual(original);
    await fresh.shutdown();
  });

  it('declares the queue as a durable stream', async () => {
    const name = cluster();
    const journal = streamJournal({ url: AMQP_URL, cluster: name, logger: false });
    journal.append({ node: 'n1', to: 'arbor://n1/root', at: 1, event: { type: 'x' } });
    await journal.close();
    const connection = new Connection({ url: AMQP_URL });
    connection.on('error', () => undefined);
    try {
      // Redeclaring with other arguments fails: the queue is a durable stream.
      await expect(connection.queueDeclare({ queue: journalQueue(name), durable: true })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    } finally {
      await connection.close();
    }
  });
});

it('a stream journal with no broker drops what it cannot send into a bounded backlog and closes in bounded time', async () => {
  const { logger, lines } = recordingLogger();
  const journal = streamJournal({ url: 'amqp://guest:secret@127.0.0.1:1', cluster: 'nowhere', maxPendingEntries: 10, sendTimeout: 200, closeTimeout: 300, logger });
  for (let i = 1; i <= 50; i++) journal.append({ node: 'n1', to: 'arbor://n1/root', at: i, event: { type: 'x' } });
  expect(journal.stats()).toMatchObject({ appended: 50, dropped: 40 });
  await journal.close();
  const text = JSON.stringify(lines);
  expect(text).toContain('journal buffer full');
  expect(text).not.toContain('secret');
});

describeBroker('streamJournal retention', () => {
  it('declares the stream with the retention it was given, so the broker refuses other retention for it', async () => {
    const name = cluster();
    const journal = streamJournal({ url: AMQP_URL, cluster: name, maxLengthBytes: 5_000_000, maxAge: '7D', maxSegmentSizeBytes: 1_000_000, logger: false });
    journal.append({ node: 'n1', to: 'arbor://n1/root', at: 1, event: { type: 'x' } });
    await journal.close();
    const connection = new Connection({ url: AMQP_URL });
    connection.on('error', () => undefined);
    const args = { 'x-queue-type': 'stream' as const, 'x-max-length-bytes': 5_000_000, 'x-max-age': '7D', 'x-stream-max-segment-size-bytes': 1_000_000 };
    try {
      // The same arguments redeclare fine; any other retention is refused: the stream has exactly these.
      await expect(connection.queueDeclare({ queue: journalQueue(name), durable: true, arguments: args })).resolves.toMatchObject({ queue: journalQueue(name) });
      await expect(connection.queueDeclare({ queue: journalQueue(name), durable: true, arguments: { ...args, 'x-max-length-bytes': 6_000_000 } })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    } finally {
      await connection.close();
    }
  });

  it('reading the journal of a cluster that has none fails with TRANSPORT_ERROR instead of creating an empty stream', async () => {
    const name = cluster();
    await expect(records({ url: AMQP_URL, cluster: name, idleTimeout: 300 })).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
  });
});

it('rejects retention options it cannot pass to the broker, naming the field and value', () => {
  expect(() => streamJournal({ cluster: 'x', maxAge: '7 days' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: { field: 'maxAge', value: '7 days' } }));
  expect(() => streamJournal({ cluster: 'x', maxLengthBytes: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: { field: 'maxLengthBytes', value: 0 } }));
  expect(() => streamJournal({ cluster: 'x', maxSegmentSizeBytes: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', details: { field: 'maxSegmentSizeBytes', value: 1.5 } }));
});
