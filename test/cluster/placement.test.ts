/**
 * The placement protocol without a broker: a child placed with `node` on this very node goes
 * through the same owner/host protocol (spawn, forwards with sequence numbers, processed
 * reports, exit, stop) as one on another node, only without the transport in between.
 */
import { describe, expect, it } from 'vitest';
import { createSystem, supervisor, type ActorRef, type DeadLetter, type SupervisorReport } from '../../src/index.js';
import type { ChildSpec, SupervisorOptions } from '../../src/supervision/spec.js';
import { acc } from '../support/acc.js';

async function setup(children: ChildSpec[], options: SupervisorOptions = {}, placementTimeout?: number) {
  const system = await createSystem({ node: 'a', logger: false, kinds: { acc }, ...(placementTimeout === undefined ? {} : { placementTimeout }) });
  const reports: SupervisorReport[] = [];
  const dead: DeadLetter[] = [];
  system.on('report', (r) => reports.push(r));
  system.on('deadLetter', (d) => dead.push(d));
  const root = system.spawn(supervisor({ intensity: 5, ...options, children }), { id: 'root' });
  await system.idle();
  return { system, root, reports, dead };
}

const seen = async (ref: Pick<ActorRef, 'ask'> | undefined) => ((await ref?.ask({ type: 'dump' })) as { seen: number[] }).seen;

describe('placement protocol (child placed with node, on this node)', () => {
  it('forwards messages in order and answers asks through the remote path', async () => {
    const { system, root } = await setup([{ id: 'w1', kind: 'acc', node: ['a'], input: { tag: 7 } }]);
    const w1 = system.lookup('root/w1');
    expect(w1?.path).toBe('arbor://a/root/w1');
    for (let id = 1; id <= 50; id++) w1?.send({ type: 'work', id });
    const reply = (await w1?.ask({ type: 'dump' })) as { seen: number[]; input: unknown };
    expect(reply.seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(reply.input).toEqual({ tag: 7 });
    expect(root.whichChildren()).toEqual([{ id: 'w1', path: 'arbor://a/root/w1', status: 'running' }]);
    const tree = system.describe();
    expect(tree.roots[0]?.children?.[0]).toMatchObject({ type: 'remote', node: 'a', kind: 'acc' });
    expect(tree.hosted.map((h) => h.path)).toEqual(['arbor://a/root/w1']);
    await system.shutdown();
    expect(system.describe().hosted).toEqual([]);
  });

  it('keeps queued messages across a crash: the restarted incarnation gets them, the crashing one is dead-lettered', async () => {
    const { system, reports, dead } = await setup([{ id: 'w1', kind: 'acc', node: 'a' }]);
    const w1 = system.lookup('root/w1');
    w1?.send({ type: 'work', id: 1 });
    w1?.send({ type: 'crash' });
    for (let id = 2; id <= 5; id++) w1?.send({ type: 'work', id });
    await system.idle();
    expect(await seen(w1)).toEqual([2, 3, 4, 5]);
    expect(reports.map((r) => `${r.kind}:${r.child}`)).toEqual(['child_started:w1', 'child_exited:w1', 'child_restarted:w1']);
    expect(dead.map((d) => [d.reason.code, (d.event as { type: string }).type])).toEqual([['ACTOR_CRASHED', 'crash']]);
    await system.shutdown();
  });

  it("a normal exit's output reaches the supervisor's aggregate and result()", async () => {
    const { system, root } = await setup([{ id: 'w1', kind: 'acc', node: 'a', restart: 'transient' }], { aggregate: { policy: 'all' } });
    const w1 = system.lookup('root/w1');
    w1?.send({ type: 'work', id: 1 });
    w1?.send({ type: 'finish' });
    await expect(w1?.result()).resolves.toEqual({ seen: 1 });
    await expect(root.result()).resolves.toEqual({ w1: { seen: 1 } });
    await system.shutdown();
  });

  it('no candidate comes up within the placement timeout: the start crashes with NO_NODE and the supervisor gives up by its intensity', async () => {
    const { system, root, reports } = await setup([{ id: 'w1', kind: 'acc', node: ['elsewhere'] }], { intensity: 2 }, 20);
    await expect(root.result()).rejects.toMatchObject({ code: 'MAX_RESTART_INTENSITY' });
    const exits = reports.filter((r) => r.kind === 'child_exited').map((r) => (r.reason as { code?: string }).code);
    expect(exits).toEqual(['NO_NODE', 'NO_NODE', 'NO_NODE']);
    await system.shutdown();
  });

  it('terminateChild stops the hosted incarnation; restartChild starts a fresh one there', async () => {
    const { system, root } = await setup([{ id: 'w1', kind: 'acc', node: 'a' }]);
    const w1 = system.lookup('root/w1');
    w1?.send({ type: 'work', id: 1 });
    await system.idle();
    await root.terminateChild('w1');
    expect(system.describe().hosted).toEqual([]);
    expect(root.whichChildren()[0]?.status).toBe('stopped');
    const again = await root.restartChild('w1');
    again.send({ type: 'work', id: 2 });
    expect(await seen(again)).toEqual([2]);
    expect(system.describe().hosted.map((h) => h.path)).toEqual(['arbor://a/root/w1']);
    await system.shutdown();
  });

  it('refs inside events travel: a hosted child sends to a ref it was given', async () => {
    const { system } = await setup([
      { id: 'w1', kind: 'acc', node: 'a' },
      { id: 'w2', kind: 'acc', node: 'a' },
    ]);
    const w1 = system.lookup('root/w1');
    const w2 = system.lookup('root/w2');
    for (let id = 1; id <= 3; id++) w1?.send({ type: 'forward', id, to: w2 as never });
    await system.idle();
    expect(await seen(w2)).toEqual([1, 2, 3]);
    await system.shutdown();
  });

  it('a spec with node but no kind is rejected with INVALID_SPEC naming the field', () => {
    expect(() => supervisor({ children: [{ id: 'x', logic: acc, node: 'b' } as never] })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'children[0].node' }));
  });

  it('bad input to the cluster API is refused with INVALID_SPEC naming the value', async () => {
    const system = await createSystem({ node: 'a', logger: false });
    await expect(system.clusterStatus({ timeout: -1 })).rejects.toMatchObject({ code: 'INVALID_SPEC', field: 'timeout' });
    await expect(system.servePool('k', 'nope' as never)).rejects.toMatchObject({ code: 'INVALID_SPEC', field: 'ref' });
    expect(() => system.poolRef('')).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'kind' }));
    expect(() => system.subscribe('a..b', system.spawn(acc, { id: 'x' }))).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'pattern' }));
    await system.shutdown();
  });

  it('a work pool on the embedded transport goes to this node\'s server, or to dead letters with a reason', async () => {
    const system = await createSystem({ node: 'a', logger: false });
    const dead: string[] = [];
    system.on('deadLetter', (d) => dead.push(d.reason.code));
    system.poolRef('acc').send({ type: 'work', id: 0 });
    const server = system.spawn(acc, { id: 'server' });
    const stop = await system.servePool('acc', server);
    for (let id = 1; id <= 3; id++) system.poolRef('acc').send({ type: 'work', id });
    expect(await seen(server)).toEqual([1, 2, 3]);
    expect(dead).toEqual(['NOT_FOUND']);
    await stop();
    await system.shutdown();
  });
});
