/**
 * Issue 10, point 2: messages a node took into a mailbox must not die with it. Node `b` (a child
 * process) runs a root supervisor `sink` whose child `w` reports each `work` id to the ledger on
 * `a` (this test process). `a` crashes `w` (it waits 8 s to restart), sends it 600 messages, and
 * once `b` has taken them all off its queue, SIGKILLs `b`. Before, `b` acked each broker message when
 * the mailbox took it, so the waiting ones vanished (not processed, not dead-lettered, not in any
 * queue). Now a broker message is acked only once processed: the unprocessed ones stay in `b`'s
 * queue, `a` drains it when `b` is declared down and dead-letters each with `NODE_DOWN` (its
 * owner is gone). Ledger: every id is processed or dead-lettered with a reason.
 */
import { afterAll, expect, it } from 'vitest';
import pino from 'pino';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSystem, rabbitmqTransport, type System } from '../../src/index.js';
import { decodeFrame, framedEnvelopes } from '../../src/transport/codec.js';
import { Topology } from '../../src/transport/topology.js';
import { AMQP_URL, cleanupClusters, describeBroker, queueDepth, readQueue, uniqueCluster, waitFor } from '../broker/broker.js';
import { ledger } from '../support/acc.js';
import { ledgerOf } from '../cluster/ledger.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess } from '../cluster/node-processes.js';

const HEARTBEAT = 250;
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'chaos-node.ts');
const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });
const systems: System[] = [];

/**
 * The `work` ids and reason codes of the `work` dead letters taken off `queue` (the message that
 * crashed the child is a dead letter too, `ACTOR_CRASHED`: every dead letter of a clustered node
 * reaches the cluster's queue; it carries no work id and is left out).
 */
async function deadLetterIds(queue: string): Promise<{ ids: number[]; codes: Set<unknown> }> {
  const ids: number[] = [];
  const codes = new Set<unknown>();
  for (const letter of await readQueue(queue)) {
    const decoded = decodeFrame(letter.body);
    if (!decoded.ok) continue;
    for (const { envelope } of framedEnvelopes(decoded.frame, letter.body)) {
      const id = (envelope.body as { id?: unknown }).id;
      if (typeof id !== 'number') continue;
      ids.push(id);
      codes.add(letter.headers['x-arbor-code']);
    }
  }
  return { ids, codes };
}

/** Waits until `queue` has `count` messages ready (not counting those delivered and unacked). */
async function waitForReady(queue: string, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await queueDepth(queue)) === count) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${queue} never had ${count} messages ready`);
}

describeBroker('chaos: a node killed with messages in its mailbox', () => {
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await killNodeProcesses();
    await cleanupClusters();
  });

  it('a node SIGKILLed with 600 messages in the mailbox of its own child in restart backoff loses none: each is dead-lettered with NODE_DOWN by the survivor', async () => {
    process.env.ARBOR_CHAOS_SINK = '1';
    const cluster = uniqueCluster();
    const a = await createSystem({ node: 'a', logger, transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: HEARTBEAT, sendTimeout: 10_000 }) });
    systems.push(a);
    const book = a.spawn(ledger, { id: 'ledger' });
    const b = await startNodeProcess({ node: 'b', cluster, heartbeat: HEARTBEAT, script: SCRIPT });
    await waitFor('a to see b', () => a.nodes().some((i) => i.node === 'b'), 20_000);
    const topology = new Topology(cluster);
    // The child crashes on its first message and waits 8 s to restart: the rest queue up on b.
    const w = a.lookup('arbor://b/sink/w');
    w?.send({ type: 'crash' });
    const total = 600;
    for (let id = 1; id <= total; id++) w?.send({ type: 'work', id });
    // b took every message off its queue (into its mailbox); none could be processed yet.
    await waitForReady(topology.nodeQueue('b'), 0);
    await new Promise((done) => setTimeout(done, 500));
    await killNodeProcess(b);
    const processedAtKill = ledgerOf(book).ids.length;
    await waitFor('a to declare b down', () => !a.nodes().some((i) => i.node === 'b'), 20_000);

    const dead: number[] = [];
    const codes = new Set<unknown>();
    const accounted = () => new Set([...ledgerOf(book).ids, ...dead]).size;
    // Poll the dead-letter queue until every id is accounted for (or 30 s passed).
    for (let i = 0; i < 300 && accounted() < total; i++) {
      const taken = await deadLetterIds(topology.deadQueue);
      dead.push(...taken.ids);
      for (const c of taken.codes) codes.add(c);
      if (accounted() < total) await new Promise((done) => setTimeout(done, 100));
    }
    const processed = new Set(ledgerOf(book).ids);
    const lost = [];
    for (let id = 1; id <= total; id++) if (!processed.has(id) && !dead.includes(id)) lost.push(id);
    const duplicated = ledgerOf(book).ids.length - processed.size + dead.filter((id) => processed.has(id)).length;
    console.info(`[kill-queued ledger] sent ${total}, processed ${processed.size} (${processedAtKill} at the kill), dead-lettered ${dead.length} (${[...codes].join(', ')}), lost ${lost.length}, duplicated ${duplicated}`);
    expect(processedAtKill).toBe(0); // the kill came with every message waiting in the mailbox
    expect(lost).toEqual([]);
    expect([...codes]).toEqual(['NODE_DOWN']);
    expect(new Set(dead).size).toBe(total);
  }, 120_000);
});
