/**
 * Arbor on a three-node RabbitMQ cluster (`scripts/rabbitmq-cluster.sh`, ports 5681-5683) with
 * quorum queues: three Arbor nodes connected through the list of broker addresses; while
 * thousands of ids flow to children placed on b and c, the broker node that leads their queues is
 * stopped. The quorum queues elect new leaders on the other two broker nodes, every Arbor node
 * reconnects to a live broker node, and the ledger must show nothing lost (duplicates counted).
 *
 * It starts and stops three brokers of its own, so it is opt-in: `npm run test:scaleout` (which
 * sets `ARBOR_SCALEOUT=1`). Starting the cluster right after the disruptive run's broker restarts
 * failed in two of five runs here (`corrupt_or_missing_cluster_files` on a node's boot), so it is
 * not part of `npm test` until that start is reliable. Without `rabbitmq-server` it is skipped
 * with a notice (a failure under `ARBOR_REQUIRE_BROKER=1` once opted in).
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createSystem, rabbitmqTransport, supervisor, type DeadLetter, type System } from '../../src/index.js';
import { ledger } from '../support/acc.js';
import { reporterOn } from '../support/acc.js';
import { describeLedger, ledgerOf, reconcile } from '../cluster/ledger.js';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'rabbitmq-cluster.sh');
const logger = pino({ level: process.env.ARBOR_TEST_LOG ?? 'silent' });

async function script(...args: string[]): Promise<string> {
  return (await run('bash', [SCRIPT, ...args], { timeout: 240_000 })).stdout.trim();
}

async function startBrokers(): Promise<string | undefined> {
  try {
    await script('start');
    return undefined;
  } catch (err) {
    // The command, then the end of what the script printed (its retry and the nodes' logs).
    const lines = err instanceof Error ? err.message.split('\n').filter((l) => l.trim() !== '') : [String(err)];
    return [lines[0], ...lines.slice(1).slice(-12)].join(' | ');
  }
}

const optedIn = process.env.ARBOR_SCALEOUT === '1';
const problem = optedIn ? await startBrokers() : undefined;

function describeBrokerCluster(name: string, fn: () => void): void {
  if (!optedIn) {
    console.warn(`[broker cluster tests] skipping "${name}": opt-in, run \`npm run test:scaleout\` (ARBOR_SCALEOUT=1)`);
    describe.skip(name, fn);
    return;
  }
  if (!problem) {
    describe(name, fn);
    return;
  }
  if (process.env.ARBOR_REQUIRE_BROKER === '1') {
    describe(name, () => it('needs a local three-node RabbitMQ cluster', () => expect.fail(`scripts/rabbitmq-cluster.sh start failed: ${problem}`)));
    return;
  }
  console.warn(`[broker cluster tests] skipping "${name}": cannot start a local RabbitMQ cluster (${problem})`);
  describe.skip(name, fn);
}

/** The broker node (1..3) that leads most quorum queues of `cluster`. */
async function leaderOf(cluster: string): Promise<number> {
  const out = (await run('rabbitmqctl', ['-n', 'arbor-b1@localhost', '-q', 'list_queues', 'name', 'leader', '--no-table-headers'], { env: { ...process.env, ERL_EPMD_ADDRESS: '127.0.0.1' } })).stdout;
  const counts = new Map<number, number>();
  for (const line of out.split('\n')) {
    const [queue, leader] = line.trim().split(/\s+/);
    if (!queue?.startsWith(`arbor.${cluster}.`)) continue;
    const n = Number(/arbor-b(\d)@/.exec(leader ?? '')?.[1]);
    if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const [best] = [...counts.entries()].sort((x, y) => y[1] - x[1]);
  if (!best) throw new Error(`no quorum queue of ${cluster} found: ${out}`);
  return best[0];
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const systems: System[] = [];

describeBrokerCluster('Arbor on a three-node RabbitMQ cluster with quorum queues', () => {
  afterAll(async () => {
    await Promise.allSettled(systems.map((s) => s.shutdown()));
    await script('stop').catch(() => undefined);
  });

  it('loses nothing when the broker node leading its queues stops under load', async () => {
    const urls = await script('urls');
    const cluster = `scaleout-${process.pid}`;
    const node = (name: string, kinds: Record<string, unknown> = {}) =>
      createSystem({ node: name, logger, kinds, transport: rabbitmqTransport({ url: urls, cluster, queueType: 'quorum', heartbeat: 500, sendTimeout: 30_000, reconnect: { min: 50, max: 500 } }) });
    const b = await node('b', { rep: reporterOn('b') });
    const c = await node('c', { rep: reporterOn('c') });
    const a = await node('a');
    systems.push(a, b, c);
    await waitFor('a to see b and c', () => ['b', 'c'].every((n) => a.nodes().some((i) => i.node === n)));
    const dead: DeadLetter[] = [];
    for (const s of systems) s.on('deadLetter', (d) => dead.push(d));

    const book = a.spawn(ledger, { id: 'ledger' });
    const children = ['w1', 'w2', 'w3', 'w4'];
    a.spawn(
      supervisor({ intensity: 50, period: 10_000, backoff: { min: 20, max: 500 }, children: children.map((id, i) => ({ id, kind: 'rep', node: i % 2 === 0 ? ['b', 'c'] : ['c', 'b'], input: { ledger: book } })) }),
      { id: 'root' },
    );
    const refs = children.map((id) => a.lookup(`root/${id}`));
    await waitFor('the children on b and c', () => b.describe().hosted.length + c.describe().hosted.length === 4);
    const leader = await leaderOf(cluster);

    const total = 6000;
    const stopAt = 1500;
    let sent = 0;
    let stopped = false;
    await new Promise<void>((done, fail) => {
      const slice = () => {
        for (let i = 0; i < 30 && sent < total; i++) {
          sent++;
          refs[sent % refs.length]?.send({ type: 'work', id: sent });
        }
        if (!stopped && ledgerOf(book).ids.length >= stopAt) {
          stopped = true;
          script('stop-node', String(leader)).catch(fail);
        }
        if (sent < total) setTimeout(slice, 5);
        else done();
      };
      slice();
    });
    expect(stopped).toBe(true);
    await waitFor('every id processed', () => new Set(ledgerOf(book).ids).size === total, 90_000).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${describeLedger(reconcile(total, ledgerOf(book)))}`);
    });
    const r = reconcile(total, ledgerOf(book));
    console.info(`[broker cluster ledger] broker node ${leader} (the queues' leader) stopped after ${stopAt} processed; ${describeLedger(r)}`);
    expect(r.missing).toEqual([]);
    expect(dead.map((d) => `${d.recipient}: ${d.reason.code}`)).toEqual([]);
    await script('start-node', String(leader));
  }, 180_000);
});
