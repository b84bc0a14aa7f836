/**
 * Several nodes in one process over the real broker: placement, location transparency (send,
 * ask, result from any node), and failover with nothing lost.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { supervisor, type SupervisorReport, type System } from '../../src/index.js';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';
import { acc, collector, ledger, reporterOn } from '../support/acc.js';

const node = startSystem;

const sees = (system: System, ...names: string[]) => () => names.every((n) => system.nodes().some((i) => i.node === n));

describeBroker('distribution: placement and location transparency', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('runs a child on the node that hosts its kind; send, ask and result work from any node', async () => {
    const cluster = uniqueCluster();
    const b = await node('b', cluster, { acc });
    const a = await node('a', cluster);
    const c = await node('c', cluster);
    await waitFor('a to see b and c', sees(a, 'b', 'c'));
    await waitFor('c to see a', sees(c, 'a'));
    const root = a.spawn(supervisor({ children: [{ id: 'w1', kind: 'acc', node: ['b'], restart: 'transient', input: { from: 'a' } }], aggregate: { policy: 'all' } }), { id: 'root' });
    await waitFor('w1 hosted on b', () => b.describe().hosted.length === 1);
    expect(b.describe().hosted[0]).toMatchObject({ path: 'arbor://a/root/w1', node: 'b' });

    const fromA = a.lookup('root/w1');
    const fromC = c.lookup('arbor://a/root/w1');
    expect(fromC?.path).toBe('arbor://a/root/w1');
    for (let id = 1; id <= 100; id++) (id % 2 ? fromA : fromC)?.send({ type: 'work', id });
    const reply = (await fromC?.ask({ type: 'dump' }, { timeout: 5000 })) as { seen: number[]; input: unknown };
    expect(reply.input).toEqual({ from: 'a' });
    expect([...reply.seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // per-sender order holds
    expect(reply.seen.filter((id) => id % 2)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 1));

    const result = fromC?.result();
    fromA?.send({ type: 'finish' });
    await expect(result).resolves.toEqual({ seen: 100 });
    await expect(root.result()).resolves.toEqual({ w1: { seen: 100 } });

    const status = await c.clusterStatus();
    expect(status.nodes.map((n) => n.node).sort()).toEqual(['a', 'b', 'c']);
    expect(status.unreachable).toEqual([]);
  });

  it('a crash on the host is restarted there by the supervisor on the owner node, with queued messages kept', async () => {
    const cluster = uniqueCluster();
    const b = await node('b', cluster, { acc });
    const a = await node('a', cluster);
    await waitFor('a to see b', sees(a, 'b'));
    const reports: SupervisorReport[] = [];
    a.on('report', (r) => reports.push(r));
    a.spawn(supervisor({ intensity: 3, children: [{ id: 'w1', kind: 'acc', node: 'b' }] }), { id: 'root' });
    const w1 = a.lookup('root/w1');
    w1?.send({ type: 'work', id: 1 });
    w1?.send({ type: 'crash' });
    for (let id = 2; id <= 20; id++) w1?.send({ type: 'work', id });
    await waitFor('the restart', () => reports.some((r) => r.kind === 'child_restarted'));
    const reply = (await w1?.ask({ type: 'dump' })) as { seen: number[] };
    expect(reply.seen).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    const exit = reports.find((r) => r.kind === 'child_exited');
    expect((exit?.reason as Error).message).toContain('acc crashed on purpose');
    expect(b.describe().hosted).toHaveLength(1);
  });

  it('a node that shuts down while messages flow: it reports what it processed, its children exit with SYSTEM_SHUTDOWN and restart on a candidate that is up; nothing is lost or duplicated', async () => {
    const cluster = uniqueCluster();
    const b = await node('b', cluster, { rep: reporterOn('b') });
    await node('c', cluster, { rep: reporterOn('c') });
    const a = await node('a', cluster);
    await waitFor('a to see b and c', sees(a, 'b', 'c'));
    const reports: SupervisorReport[] = [];
    a.on('report', (r) => reports.push(r));
    const book = a.spawn(ledger, { id: 'ledger' });
    a.spawn(supervisor({ intensity: 5, children: [{ id: 'w1', kind: 'rep', node: ['b', 'c'], input: { ledger: book } }] }), { id: 'root' });
    await waitFor('w1 on b', () => b.describe().hosted.length === 1);
    const w1 = a.lookup('root/w1');
    const total = 2000;
    const ids = () => (book.getSnapshot() as { context: { ids: number[]; nodes: string[] } }).context;
    for (let id = 1; id <= total / 2; id++) w1?.send({ type: 'work', id });
    await waitFor('b to have processed some', () => ids().ids.length >= 100);
    const stopping = b.shutdown(); // b leaves while messages flow
    for (let id = total / 2 + 1; id <= total; id++) w1?.send({ type: 'work', id });
    await stopping;
    await waitFor('every id processed', () => new Set(ids().ids).size === total, 20_000);
    const exits = reports.filter((r) => r.kind === 'child_exited').map((r) => (r.reason as { code?: string }).code);
    // A graceful stop (issue 10 point 3): b finished what it had accepted and reported the count.
    expect(exits).toEqual(['SYSTEM_SHUTDOWN']);
    expect(reports.filter((r) => r.kind === 'child_restarted')).toHaveLength(1);
    expect(new Set(ids().nodes)).toEqual(new Set(['b', 'c']));
    expect(ids().nodes.at(-1)).toBe('c');
    const duplicates = ids().ids.length - total;
    expect(duplicates).toBe(0);
  });

  it('choreography: an event published on one node reaches subscribers on every node by topic pattern', async () => {
    const cluster = uniqueCluster();
    const a = await node('a', cluster);
    const b = await node('b', cluster);
    const onA = a.spawn(collector, { id: 'l' });
    const onB = b.spawn(collector, { id: 'l' });
    await a.subscribe('research.*', onA).ready;
    await b.subscribe('research.#', onB).ready;
    for (let id = 1; id <= 5; id++) b.publish({ type: 'research.done', id, node: 'b' } as never);
    a.publish({ type: 'research.web.done', id: 6, node: 'a' } as never);
    a.publish({ type: 'draft.done', id: 7, node: 'a' } as never);
    const ids = (ref: typeof onA) => (ref.getSnapshot() as { context: { ids: number[] } }).context.ids;
    await waitFor('both to receive', () => ids(onA).length === 5 && ids(onB).length === 6, 3000).catch((err: unknown) => {
      throw new Error(`${String(err)}: a got ${JSON.stringify(ids(onA))}, b got ${JSON.stringify(ids(onB))}`);
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(ids(onA)).toEqual([1, 2, 3, 4, 5]);
    expect([...ids(onB)].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('work pools: competing consumers on two nodes share one kind of work, each message taken once', async () => {
    const cluster = uniqueCluster();
    const a = await node('a', cluster);
    const b = await node('b', cluster);
    const c = await node('c', cluster);
    const book = a.spawn(ledger, { id: 'ledger' });
    await b.servePool('rep', b.spawn(reporterOn('b'), { id: 'worker', input: { ledger: book } }));
    await c.servePool('rep', c.spawn(reporterOn('c'), { id: 'worker', input: { ledger: book } }));
    const pool = a.poolRef('rep');
    for (let id = 1; id <= 200; id++) pool.send({ type: 'work', id });
    const ctx = () => (book.getSnapshot() as { context: { ids: number[]; nodes: string[] } }).context;
    await waitFor('all processed', () => ctx().ids.length === 200);
    expect(new Set(ctx().ids).size).toBe(200);
    expect(new Set(ctx().nodes)).toEqual(new Set(['b', 'c']));
  });

  it('an ask to a path that does not exist on a live node fails at once with NOT_FOUND, not at its timeout', async () => {
    const cluster = uniqueCluster();
    const a = await node('a', cluster);
    const b = await node('b', cluster);
    await waitFor('b to see a', sees(b, 'a'));
    const ghost = b.lookup('arbor://a/nobody');
    expect(ghost?.path).toBe('arbor://a/nobody');
    await expect(ghost?.ask({ type: 'dump' }, { timeout: 15_000 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(a.lookup('arbor://zz/x')).toBeUndefined();
  });

  it('a child whose host is not up yet waits for it (messages kept), and starts there when it comes up', async () => {
    const cluster = uniqueCluster();
    const a = await node('a', cluster);
    const reports: SupervisorReport[] = [];
    a.on('report', (r) => reports.push(r));
    a.spawn(supervisor({ intensity: 0, children: [{ id: 'w1', kind: 'acc', node: 'late' }] }), { id: 'root' });
    const w1 = a.lookup('root/w1');
    for (let id = 1; id <= 10; id++) w1?.send({ type: 'work', id });
    await new Promise((r) => setTimeout(r, 300));
    const late = await node('late', cluster, { acc });
    await waitFor('w1 hosted on the late node', () => late.describe().hosted.length === 1);
    expect(((await w1?.ask({ type: 'dump' })) as { seen: number[] }).seen).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(reports.map((r) => r.kind)).toEqual(['child_started']);
  });

  it('the journal records who sent each event, across nodes too', async () => {
    const cluster = uniqueCluster();
    const entries: { to: string; type: string; from?: string }[] = [];
    await node('b', cluster, { acc }, { journal: { append: (e) => entries.push({ to: e.to, type: e.event.type, ...(e.from ? { from: e.from } : {}) }) } });
    const a = await node('a', cluster);
    await waitFor('a to see b', sees(a, 'b'));
    a.spawn(supervisor({ children: [{ id: 'w1', kind: 'acc', node: 'b' }, { id: 'w2', kind: 'acc', node: 'b' }] }), { id: 'root' });
    a.lookup('root/w1')?.send({ type: 'forward', id: 1, to: a.lookup('root/w2') as never });
    await waitFor('w2 to get work', () => entries.some((e) => e.type === 'work'));
    expect(entries.find((e) => e.type === 'forward')).toEqual({ to: 'arbor://a/root/w1', type: 'forward' });
    expect(entries.find((e) => e.type === 'work')).toEqual({ to: 'arbor://a/root/w2', type: 'work', from: 'arbor://a/root/w1' });
  });
});
