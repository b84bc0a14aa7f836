import { afterAll, afterEach, expect, it } from 'vitest';
import { setup } from 'xstate';
import { supervisor, type System } from '../../src/index.js';
import type { DlqEntry, RedriveReport } from '../../src/transport/dlq.js';
import { arbor } from '../cli/run-cli.js';
import { brokenWorker } from '../support/broken-worker.js';
import { AMQP_URL, cleanupClusters, describeBroker, queueDepth, shutdownSystems, startSystem, uniqueCluster, waitFor, waitForDepth } from './broker.js';

async function twoNodes(cluster: string): Promise<{ a: System; b: System }> {
  const [a, b] = await Promise.all([startSystem('a', cluster), startSystem('b', cluster)]);
  await waitFor('a and b to see each other', () => a.nodes().some((n) => n.node === 'b') && b.nodes().some((n) => n.node === 'a'));
  return { a, b };
}

describeBroker('the cluster dead-letter queue and arbor dlq', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('receives every crash of a clustered node with its reason, lists it with arbor dlq, and a redrive has the recipient process it', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const { a, b } = await twoNodes(cluster);
    const state = { broken: true, processed: [] as string[] };
    b.spawn(supervisor({ intensity: 100, children: [{ id: 'w', logic: brokenWorker(state) }] }), { id: 'root' });
    const ref = a.lookup('arbor://b/root/w')!;
    for (const c of ['c-1', 'c-2', 'c-3']) ref.send({ type: 'work', correlationId: c });
    const deadQueue = `arbor.${cluster}.dead`;
    await waitForDepth(deadQueue, 3);
    expect(b.deadLetters({ code: 'ACTOR_CRASHED' }).map((d) => d.correlationId)).toEqual(['c-3', 'c-2', 'c-1']);

    const flags = ['--broker', AMQP_URL, '--cluster', cluster];
    const listed = await arbor(['dlq', 'list', ...flags, '--json']);
    expect(listed.code).toBe(0);
    const { entries } = JSON.parse(listed.stdout) as { entries: DlqEntry[] };
    expect(entries.map((e) => [e.code, e.recipient, e.eventType, e.correlationId, e.node])).toEqual([
      ['ACTOR_CRASHED', 'arbor://b/root/w', 'work', 'c-1', 'b'],
      ['ACTOR_CRASHED', 'arbor://b/root/w', 'work', 'c-2', 'b'],
      ['ACTOR_CRASHED', 'arbor://b/root/w', 'work', 'c-3', 'b'],
    ]);
    for (const e of entries) {
      expect(e.reason).toContain('downstream is broken');
      expect(e.attempts).toBeGreaterThanOrEqual(1);
      expect(e.firstFailedAt).toBeGreaterThan(0);
      expect(e.lastFailedAt).toBeGreaterThanOrEqual(e.firstFailedAt!);
    }
    // Listing leaves the queue as it was.
    expect(await queueDepth(deadQueue)).toBe(3);

    const text = await arbor(['dlq', 'list', ...flags, '--correlation', 'c-2'], { NO_COLOR: '1' });
    expect(text.stdout).toContain('1 entry');
    expect(text.stdout).toMatch(/ACTOR_CRASHED {2}arbor:\/\/b\/root\/w {2}work {2}correlation c-2/);
    const shown = await arbor(['dlq', 'show', entries[0]!.id, ...flags, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: entries[0]!.id, event: { type: 'work', correlationId: 'c-1' } });

    state.broken = false;
    const redrive = await arbor(['dlq', 'redrive', ...flags, '--code', 'ACTOR_CRASHED', '--json']);
    expect(redrive.code).toBe(0);
    const report = JSON.parse(redrive.stdout) as RedriveReport;
    expect(report).toMatchObject({ redriven: 3, kept: 0, recipients: { 'arbor://b/root/w': 3 } });
    // Processed, not dropped as repeats of the ids the node saw before.
    await waitFor('the redriven messages to be processed', () => state.processed.length === 3);
    expect(state.processed).toEqual(['c-1', 'c-2', 'c-3']);
    expect(await queueDepth(deadQueue)).toBe(0);
  });

  it('receives full mailboxes, unhandled events and unroutable messages too, and purges by code and path', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const { a, b } = await twoNodes(cluster);
    const small = b.spawn(setup({}).createMachine({}), { id: 'small', mailbox: { capacity: 1 } });
    b.spawn(supervisor({ children: [] }), { id: 'sup' });
    // Sent on b's stack: the second finds the one slot taken.
    small.send({ type: 'first' });
    small.send({ type: 'second', correlationId: 'full' });
    a.lookup('arbor://b/sup')!.send({ type: 'not-for-a-supervisor', correlationId: 'unhandled' });
    a.lookup('arbor://b/sup')!.send({ type: 'nobody', correlationId: 'unhandled-2' });
    const deadQueue = `arbor.${cluster}.dead`;
    // The unroutable one: b has no actor at that path.
    const ghost = a.lookup('arbor://b/ghost');
    expect(ghost).toBeDefined();
    ghost!.send({ type: 'lost', correlationId: 'ghost' });
    await waitForDepth(deadQueue, 4);
    const flags = ['--broker', AMQP_URL, '--cluster', cluster];
    const { entries } = JSON.parse((await arbor(['dlq', 'list', ...flags, '--json'])).stdout) as { entries: DlqEntry[] };
    expect(entries.map((e) => [e.correlationId, e.code, e.recipient]).sort()).toEqual([
      ['full', 'MAILBOX_FULL', 'arbor://b/small'],
      ['ghost', 'NOT_FOUND', 'arbor://b/ghost'],
      ['unhandled', 'UNHANDLED_MESSAGE', 'arbor://b/sup'],
      ['unhandled-2', 'UNHANDLED_MESSAGE', 'arbor://b/sup'],
    ]);
    const purge = await arbor(['dlq', 'purge', ...flags, '--path', 'arbor://b/sup']);
    expect(purge.stdout).toContain('purged 2 entries');
    const purgeCode = await arbor(['dlq', 'purge', ...flags, '--code', 'MAILBOX_FULL', '--json']);
    expect(JSON.parse(purgeCode.stdout)).toEqual({ purged: 1 });
    const left = JSON.parse((await arbor(['dlq', 'list', ...flags, '--json'])).stdout) as { entries: DlqEntry[] };
    expect(left.entries.map((e) => e.correlationId)).toEqual(['ghost']);
  });
});
