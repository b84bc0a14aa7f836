/**
 * Work pools with workers and a concurrency (issue 15's pool-scaling, issue 20's pools): a pool
 * message is settled, and its broker message acked, only when its worker has finished the work
 * it started (the promise it invoked settled), so a node never takes more pool work than it has
 * free workers, and the broker hands the rest to the other nodes (fair dispatch).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import { createSystem, rabbitmqTransport, type ActorRef, type System } from '../../src/index.js';
import { AMQP_URL, cleanupClusters, describeBroker, queueDepth, shutdownSystems, startSystem, uniqueCluster, waitFor } from './broker.js';

/** What every worker of a test reports: jobs running now per node, the most at once, and who did what. */
interface Board {
  running: Map<string, number>;
  most: Map<string, number>;
  done: { id: number; node: string }[];
}
const newBoard = (): Board => ({ running: new Map(), most: new Map(), done: [] });

/** A worker on `node` that takes `{ type: 'job', id }` and invokes a call of `ms` before it is idle again. */
function agent(board: Board, node: string, ms: number) {
  const call = fromPromise<void, { id: number }>(async ({ input }) => {
    const now = (board.running.get(node) ?? 0) + 1;
    board.running.set(node, now);
    board.most.set(node, Math.max(board.most.get(node) ?? 0, now));
    await new Promise((r) => setTimeout(r, ms));
    board.running.set(node, (board.running.get(node) ?? 1) - 1);
    board.done.push({ id: input.id, node });
  });
  return setup({ types: { context: {} as { id: number }, events: {} as { type: 'job'; id: number } }, actors: { call } }).createMachine({
    context: { id: 0 },
    initial: 'idle',
    states: {
      idle: { on: { job: { target: 'working', actions: assign({ id: ({ event }) => event.id }) } } },
      working: { invoke: { src: 'call', input: ({ context }) => ({ id: context.id }), onDone: 'idle', onError: 'idle' } },
    },
  });
}

const workersOn = (system: System, board: Board, node: string, n: number, ms: number): ActorRef[] =>
  Array.from({ length: n }, (_, i) => system.spawn(agent(board, node, ms), { id: `agent-${i}` }));

const ids = (board: Board) => board.done.map((d) => d.id).sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('work pools on one node', () => {
  it('hands each worker one job at a time and queues the rest, urgent ones first', async () => {
    const system = await createSystem({ logger: false });
    const board = newBoard();
    const order: number[] = [];
    await system.servePool('jobs', workersOn(system, board, 'solo', 2, 30));
    const pool = system.poolRef('jobs');
    for (let id = 1; id <= 6; id++) pool.send({ type: 'job', id });
    pool.send({ type: 'job', id: 7 }, { priority: 'urgent' });
    await waitFor('every job', () => board.done.length === 7, 10_000);
    for (const d of board.done) order.push(d.id);
    expect(ids(board)).toEqual(range(7));
    expect(board.most.get('solo')).toBe(2);
    // Jobs 1 and 2 were handed out at once; the urgent one overtook 3..6, which waited here.
    expect(order.indexOf(7)).toBeLessThan(order.indexOf(3));
    await system.shutdown();
  });

  it('refuses workers that are not refs and a concurrency that is not a positive integer', async () => {
    const system = await createSystem({ logger: false });
    await expect(system.servePool('jobs', [])).rejects.toMatchObject({ code: 'INVALID_SPEC' });
    await expect(system.servePool('jobs', [{} as ActorRef])).rejects.toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('workers[0]') });
    const w = system.spawn(agent(newBoard(), 'x', 1), { id: 'w' });
    await expect(system.servePool('jobs', w, { concurrency: 0 })).rejects.toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('concurrency') });
    await system.shutdown();
  });
});

describeBroker('work pools across nodes: acked when the work ends', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('spreads jobs over nodes by free workers: no node takes more than its concurrency, both work', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster);
    const b = await startSystem('b', cluster);
    const c = await startSystem('c', cluster);
    const board = newBoard();
    // b serves first, with 2 workers; before the fix it took 8 (the prefetch) and acked them at once.
    await b.servePool('jobs', workersOn(b, board, 'b', 2, 150));
    const pool = a.poolRef('jobs');
    for (let id = 1; id <= 24; id++) pool.send({ type: 'job', id });
    await waitFor('b to start working', () => (board.running.get('b') ?? 0) > 0, 20_000);
    await c.servePool('jobs', workersOn(c, board, 'c', 2, 150));
    await waitFor('every job', () => board.done.length === 24, 50_000);
    expect(ids(board)).toEqual(range(24));
    expect(board.most.get('b')).toBe(2);
    expect(board.most.get('c')).toBeLessThanOrEqual(2);
    // c joined with 20-odd jobs still on the broker (not in b's mailboxes): it took a fair share.
    const byC = board.done.filter((d) => d.node === 'c').length;
    expect(byC).toBeGreaterThanOrEqual(6);
    expect(await queueDepth(`arbor.${cluster}.pool.jobs`)).toBe(0);
  });

  it('with poolBatch, a burst leaves in batches that still spread over the serving nodes, each job done once', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster, {}, { transport: rabbitmqTransport({ url: AMQP_URL, cluster, heartbeat: 200, sendTimeout: 5000, poolBatch: 4 }) });
    // Batches are cut by the Coalescer (test/transport/coalescer.test.ts); here: none is lost, none done twice, both nodes work.
    const b = await startSystem('b', cluster);
    const c = await startSystem('c', cluster);
    const board = newBoard();
    await b.servePool('jobs', workersOn(b, board, 'b', 4, 20));
    await c.servePool('jobs', workersOn(c, board, 'c', 4, 20));
    const pool = a.poolRef('jobs');
    for (let id = 1; id <= 80; id++) pool.send({ type: 'job', id });
    await waitFor('every job', () => board.done.length === 80, 50_000);
    expect(ids(board)).toEqual(range(80));
    expect(new Set(board.done.map((d) => d.node))).toEqual(new Set(['b', 'c']));
    expect(await queueDepth(`arbor.${cluster}.pool.jobs`)).toBe(0);
  });

  it('refuses a poolBatch that is not an integer from 1 to 1024', () => {
    expect(() => rabbitmqTransport({ url: AMQP_URL, poolBatch: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', message: expect.stringContaining('poolBatch') }));
  });
});
