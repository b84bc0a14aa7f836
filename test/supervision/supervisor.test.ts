import { describe, expect, it } from 'vitest';
import { supervisor, type ChildSpec, type SupervisorRef } from '../../src/index.js';
import { testSystem, worker } from '../fixtures/workers.js';

const child = (id: string, extra: Partial<ChildSpec> = {}, log?: string[]): ChildSpec => ({
  id,
  logic: worker,
  input: { name: id, log, gracefulMs: 0 },
  ...extra,
});

async function tree(options: Parameters<typeof supervisor>[0]) {
  const t = await testSystem();
  const root = t.system.spawn(supervisor(options), { id: 'root' });
  const send = (id: string, type: 'crash' | 'finish' | 'work') => t.system.lookup(`root/${id}`)!.send({ type });
  return { ...t, root, send };
}

describe('start and stop order', () => {
  it('starts children in list order and stops them in reverse order', async () => {
    const log: string[] = [];
    const { system } = await tree({ children: ['a', 'b', 'c'].map((id) => child(id, {}, log)) });
    await system.shutdown();
    expect(log).toEqual(['start:a', 'start:b', 'start:c', 'stop:c', 'stop:b', 'stop:a']);
  });
});

describe('strategies', () => {
  it('one_for_one restarts only the crashed child', async () => {
    const { send, system, trail } = await tree({ strategy: 'one_for_one', children: [child('a'), child('b'), child('c')] });
    send('b', 'crash');
    await system.idle();
    expect(trail('child_restarted', 'child_terminated')).toEqual(['child_restarted:b']);
  });

  it('one_for_all stops the others in reverse order and restarts all in list order', async () => {
    const { send, system, trail } = await tree({ strategy: 'one_for_all', children: [child('a'), child('b'), child('c')] });
    send('b', 'crash');
    await system.idle();
    expect(trail('child_restarted', 'child_terminated')).toEqual([
      'child_terminated:c',
      'child_terminated:a',
      'child_restarted:a',
      'child_restarted:b',
      'child_restarted:c',
    ]);
  });

  it('rest_for_one restarts the crashed child and those after it', async () => {
    const { send, system, trail } = await tree({ strategy: 'rest_for_one', children: [child('a'), child('b'), child('c'), child('d')] });
    send('b', 'crash');
    await system.idle();
    expect(trail('child_restarted', 'child_terminated')).toEqual([
      'child_terminated:d',
      'child_terminated:c',
      'child_restarted:b',
      'child_restarted:c',
      'child_restarted:d',
    ]);
  });

  it('drops temporary siblings instead of restarting them with the group', async () => {
    const { send, system, root } = await tree({ strategy: 'one_for_all', children: [child('a'), child('t', { restart: 'temporary' })] });
    send('a', 'crash');
    await system.idle();
    expect((root as SupervisorRef).whichChildren().map((c) => c.id)).toEqual(['a']);
  });
});

describe('restart types', () => {
  it('restarts a permanent child even after a normal exit', async () => {
    const { send, system, trail } = await tree({ children: [child('p')] });
    send('p', 'finish');
    await system.idle();
    expect(trail('child_exited', 'child_restarted')).toEqual(['child_exited:p', 'child_restarted:p']);
  });

  it('restarts a transient child after a crash but not after a normal exit', async () => {
    const { send, system, trail, root } = await tree({ intensity: 5, children: [child('t', { restart: 'transient' })] });
    send('t', 'crash');
    await system.idle();
    send('t', 'finish');
    await system.idle();
    expect(trail('child_exited', 'child_restarted')).toEqual(['child_exited:t', 'child_restarted:t', 'child_exited:t']);
    expect((root as SupervisorRef).whichChildren()).toEqual([{ id: 't', path: 'arbor://t/root/t', status: 'stopped' }]);
  });

  it('never restarts a temporary child and deletes its spec', async () => {
    const { send, system, trail, root } = await tree({ children: [child('tmp', { restart: 'temporary' }), child('keep')] });
    send('tmp', 'crash');
    await system.idle();
    expect(trail('child_restarted')).toEqual([]);
    expect((root as SupervisorRef).whichChildren().map((c) => c.id)).toEqual(['keep']);
    expect(system.lookup('root/tmp')).toBeUndefined();
  });
});

describe('restart intensity', () => {
  it('gives up with MAX_RESTART_INTENSITY after more than intensity restarts within the period', async () => {
    const log: string[] = [];
    const { send, system, root, trail } = await tree({ intensity: 2, period: 1000, children: [child('a', {}, log), child('b', {}, log)] });
    for (let i = 0; i < 3; i++) {
      send('a', 'crash');
      await system.idle();
    }
    await expect(root.result()).rejects.toMatchObject({ code: 'MAX_RESTART_INTENSITY', details: { child: 'a', intensity: 2, period: 1000 } });
    expect(trail('shutdown')).toEqual(['shutdown:a']);
    expect(log.at(-1)).toBe('stop:b');
    expect(trail('child_terminated')).toEqual(['child_terminated:b']);
  });

  it('allows restarts again once earlier ones fall out of the period', async () => {
    const { send, system, clock, root, trail } = await tree({ intensity: 1, period: 1000, children: [child('a')] });
    for (let i = 0; i < 5; i++) {
      send('a', 'crash');
      await system.idle();
      clock.increment(1001);
    }
    expect(trail('child_restarted')).toHaveLength(5);
    expect((root as SupervisorRef).whichChildren()[0]!.status).toBe('running');
  });

  it('escalates: a nested supervisor that gives up counts as a crash of one child of its parent', async () => {
    const inner = supervisor({ intensity: 0, children: [child('w')] });
    const t = await testSystem();
    const root = t.system.spawn(supervisor({ intensity: 1, children: [{ id: 'inner', logic: inner }] }), { id: 'root' });
    t.system.lookup('root/inner/w')!.send({ type: 'crash' });
    await t.system.idle();
    expect(t.trail('shutdown', 'child_exited', 'child_restarted')).toEqual(['child_exited:w', 'shutdown:w', 'child_exited:inner', 'child_restarted:inner']);
    const exited = t.reports.find((r) => r.kind === 'child_exited' && r.child === 'inner');
    expect(exited?.reason).toMatchObject({ code: 'MAX_RESTART_INTENSITY' });
    // The restarted inner supervisor starts its static child again, under the same path and ref.
    t.system.lookup('root/inner/w')!.send({ type: 'crash' });
    await t.system.idle();
    await expect(root.result()).rejects.toMatchObject({ code: 'MAX_RESTART_INTENSITY', details: { child: 'inner' } });
  });
});

describe('shutdown of children', () => {
  it('lets a worker that handles arbor.shutdown finish within its shutdown time', async () => {
    const log: string[] = [];
    const t = await testSystem();
    const root = t.system.spawn(supervisor({ children: [{ id: 'slow', logic: worker, input: { name: 'slow', log, gracefulMs: 300 }, shutdown: 1000 }] }), { id: 'root' });
    const stopping = (root as SupervisorRef).terminateChild('slow');
    await t.system.idle();
    expect(log).toEqual(['start:slow']);
    t.clock.increment(300);
    await stopping;
    expect(log).toEqual(['start:slow', 'stop:slow']);
  });

  it('kills a worker that does not finish within its shutdown time', async () => {
    const log: string[] = [];
    const t = await testSystem();
    const root = t.system.spawn(supervisor({ children: [{ id: 'slow', logic: worker, input: { name: 'slow', log, gracefulMs: 5000 }, shutdown: 100 }] }), { id: 'root' });
    const stopping = (root as SupervisorRef).terminateChild('slow');
    await t.system.idle();
    t.clock.increment(100);
    await stopping;
    expect(log).toEqual(['start:slow']); // killed: the graceful path never completed
    expect((root as SupervisorRef).whichChildren()[0]!.status).toBe('stopped');
  });

  it('skips the graceful step for brutal_kill', async () => {
    const log: string[] = [];
    const t = await testSystem();
    const root = t.system.spawn(supervisor({ children: [{ id: 'k', logic: worker, input: { name: 'k', log, gracefulMs: 0 }, shutdown: 'brutal_kill' }] }), { id: 'root' });
    await (root as SupervisorRef).terminateChild('k');
    expect(log).toEqual(['start:k']);
  });
});

describe('significant children and autoShutdown', () => {
  it('any_significant: the supervisor exits normally when one significant child exits normally', async () => {
    const { send, root, trail } = await tree({
      autoShutdown: 'any_significant',
      children: [child('main', { restart: 'transient', significant: true }), child('helper')],
    });
    send('helper', 'work');
    send('main', 'finish');
    await expect(root.result()).resolves.toEqual({ main: 0 });
    expect(trail('shutdown', 'child_terminated')).toEqual(['shutdown:main', 'child_terminated:helper']);
  });

  it('all_significant: the supervisor waits for every significant child', async () => {
    const { send, system, root, trail } = await tree({
      autoShutdown: 'all_significant',
      children: [child('x', { restart: 'transient', significant: true }), child('y', { restart: 'temporary', significant: true })],
    });
    send('x', 'finish');
    await system.idle();
    expect(trail('shutdown')).toEqual([]);
    send('y', 'crash'); // a temporary significant child counts whatever its exit
    await expect(root.result()).resolves.toEqual({ x: 0 });
  });
});

describe('backoff', () => {
  it('delays each restart by the backoff, growing by factor and reset after resetAfter', async () => {
    const { send, system, clock, trail } = await tree({
      intensity: 10,
      period: 100_000,
      backoff: { min: 100, max: 1000, factor: 2, jitter: 0, resetAfter: 10_000 },
      children: [child('a')],
    });
    const restartsAfter = async (ms: number) => {
      clock.increment(ms);
      await system.idle();
      return trail('child_restarted').length;
    };
    send('a', 'crash');
    await system.idle();
    expect(await restartsAfter(99)).toBe(0);
    expect(await restartsAfter(1)).toBe(1);
    send('a', 'crash');
    await system.idle();
    expect(await restartsAfter(199)).toBe(1);
    expect(await restartsAfter(1)).toBe(2);
    clock.increment(10_000); // ran long enough: the next delay starts from min again
    send('a', 'crash');
    await system.idle();
    expect(await restartsAfter(100)).toBe(3);
  });

  it('holds messages for a child waiting out its backoff and delivers them after the restart', async () => {
    const { send, system, clock } = await tree({ backoff: { min: 50, jitter: 0 }, children: [child('a')] });
    send('a', 'crash');
    await system.idle();
    expect((await testSystemStatus(system, 'a'))).toBe('restarting');
    send('a', 'work');
    clock.increment(50);
    await system.idle();
    await expect(system.lookup('root/a')!.ask({ type: 'get' })).resolves.toEqual({ type: 'count', n: 1 });
  });
});

async function testSystemStatus(system: Awaited<ReturnType<typeof testSystem>>['system'], id: string) {
  return (system.lookup('root') as SupervisorRef).whichChildren().find((c) => c.id === id)?.status;
}

describe('result aggregation', () => {
  const workers = (policy: 'all' | 'any' | 'quorum', extra: object = {}) => ({
    aggregate: { policy, ...extra },
    children: [child('a', { restart: 'transient' }), child('b', { restart: 'transient' }), child('c', { restart: 'transient' })],
  });

  it("'all' ends with every child's output", async () => {
    const { send, root } = await tree(workers('all'));
    send('a', 'work');
    for (const id of ['a', 'b', 'c']) send(id, 'finish');
    await expect(root.result()).resolves.toEqual({ a: 1, b: 0, c: 0 });
  });

  it("'any' ends at the first result and stops the other children", async () => {
    const { send, root, trail } = await tree(workers('any'));
    send('b', 'finish');
    await expect(root.result()).resolves.toEqual({ b: 0 });
    expect(trail('child_terminated')).toEqual(['child_terminated:c', 'child_terminated:a']);
  });

  it("'quorum' ends once quorum results are in", async () => {
    const { send, root } = await tree(workers('quorum', { quorum: 2 }));
    send('c', 'finish');
    send('a', 'finish');
    await expect(root.result()).resolves.toEqual({ c: 0, a: 0 });
  });

  it("fails with CHILD_FAILED when a child fails for good under 'fail'", async () => {
    const { send, root } = await tree({ aggregate: { policy: 'all' }, children: [child('a', { restart: 'temporary' }), child('b')] });
    send('a', 'crash');
    await expect(root.result()).rejects.toMatchObject({ code: 'CHILD_FAILED', details: { child: 'a' } });
  });

  it("leaves a failed child out under 'proceed'", async () => {
    const { send, root } = await tree({
      aggregate: { policy: 'all', onPartialFailure: 'proceed' },
      children: [child('a', { restart: 'temporary' }), child('b', { restart: 'transient' })],
    });
    send('a', 'crash');
    send('b', 'finish');
    await expect(root.result()).resolves.toEqual({ b: 0 });
  });

  it('fails with QUORUM_UNREACHABLE when too many children failed for the quorum', async () => {
    const { send, root } = await tree({
      aggregate: { policy: 'quorum', quorum: 2, onPartialFailure: 'proceed' },
      children: [child('a', { restart: 'temporary' }), child('b', { restart: 'temporary' }), child('c', { restart: 'transient' })],
    });
    send('a', 'crash');
    send('b', 'crash');
    await expect(root.result()).rejects.toMatchObject({ code: 'QUORUM_UNREACHABLE' });
  });

  it("times out with AGGREGATE_TIMEOUT under 'fail', and ends with partial results under 'proceed'", async () => {
    const failing = await tree(workers('all', { timeout: 1000 }));
    failing.send('a', 'finish');
    await failing.system.idle();
    failing.clock.increment(1000);
    await expect(failing.root.result()).rejects.toMatchObject({ code: 'AGGREGATE_TIMEOUT', details: { missing: ['b', 'c'] } });

    const proceeding = await tree(workers('all', { timeout: 1000, onPartialFailure: 'proceed' }));
    proceeding.send('a', 'finish');
    await proceeding.system.idle();
    proceeding.clock.increment(1000);
    await expect(proceeding.root.result()).resolves.toEqual({ a: 0 });
  });

  it('carries results up each level of the tree', async () => {
    const t = await testSystem();
    const leaf = (ids: string[]) => supervisor({ aggregate: { policy: 'all' }, children: ids.map((id) => child(id, { restart: 'transient' })) });
    const root = t.system.spawn(
      supervisor({ aggregate: { policy: 'all' }, children: [{ id: 'left', logic: leaf(['a', 'b']), restart: 'transient' }, { id: 'right', logic: leaf(['c']), restart: 'transient' }] }),
      { id: 'root' },
    );
    for (const p of ['left/a', 'left/b', 'right/c']) t.system.lookup(`root/${p}`)!.send({ type: 'finish' });
    await expect(root.result()).resolves.toEqual({ left: { a: 0, b: 0 }, right: { c: 0 } });
  });
});

describe('the dynamic child API', () => {
  it('starts, terminates, restarts and deletes children', async () => {
    const { system, root, trail } = await tree({ children: [] });
    const sup = root as SupervisorRef;
    const ref = await sup.startChild(child('d', { restart: 'transient' }));
    expect(ref.path).toBe('arbor://t/root/d');
    expect(sup.whichChildren()).toEqual([{ id: 'd', path: 'arbor://t/root/d', status: 'running' }]);
    await sup.terminateChild('d');
    expect(sup.whichChildren()[0]!.status).toBe('stopped');
    await sup.restartChild('d');
    expect(sup.whichChildren()[0]!.status).toBe('running');
    await expect(sup.deleteChild('d')).rejects.toMatchObject({ code: 'CHILD_RUNNING' });
    await sup.terminateChild('d');
    await sup.deleteChild('d');
    expect(sup.whichChildren()).toEqual([]);
    expect(system.lookup('root/d')).toBeUndefined();
    expect(trail()).toEqual(['child_started:d', 'child_terminated:d', 'child_restarted:d', 'child_terminated:d']);
  });

  it('starts a child at once when the supervisor is idle: it runs before the promise settles', async () => {
    const { root, trail } = await tree({ children: [] });
    const started = (root as SupervisorRef).startChild(child('d'));
    expect(trail()).toEqual(['child_started:d']);
    await expect(started).resolves.toMatchObject({ path: 'arbor://t/root/d' });
  });

  it('queues a startChild made from inside the supervisor\'s own start: each child starts once, in order', async () => {
    const t = await testSystem();
    const late: Promise<unknown>[] = [];
    t.system.on('report', (r) => {
      // A listener that reacts to the first static child by adding a dynamic one, mid-start.
      if (r.kind === 'child_started' && r.child === 'a') late.push((t.system.lookup('root') as SupervisorRef).startChild(child('d')));
    });
    const root = t.system.spawn(supervisor({ children: [child('a'), child('b')] }), { id: 'root' }) as SupervisorRef;
    await Promise.all(late);
    expect(t.trail('child_started')).toEqual(['child_started:a', 'child_started:b', 'child_started:d']);
    expect(root.whichChildren().map((c) => `${c.id}:${c.status}`)).toEqual(['a:running', 'b:running', 'd:running']);
  });

  it('rejects duplicate ids, bad specs and unknown children with their codes', async () => {
    const { root } = await tree({ children: [child('a')] });
    const sup = root as SupervisorRef;
    await expect(sup.startChild(child('a'))).rejects.toMatchObject({ code: 'INVALID_SPEC', field: 'spec.id' });
    await expect(sup.startChild({ id: 'x', restart: 'sometimes' as never, logic: worker })).rejects.toMatchObject({ code: 'INVALID_SPEC', field: 'spec.restart' });
    await expect(sup.startChild({ id: 'y' })).rejects.toMatchObject({ code: 'INVALID_SPEC', field: 'spec.logic' });
    await expect(sup.terminateChild('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sup.restartChild('a')).rejects.toMatchObject({ code: 'CHILD_RUNNING' });
  });
});

describe('bad specs and events', () => {
  it.each([
    [{ strategy: 'one_for_some' }, 'strategy'],
    [{ intensity: -1 }, 'intensity'],
    [{ intensity: 1.5 }, 'intensity'],
    [{ period: 0 }, 'period'],
    [{ autoShutdown: 'sometimes' }, 'autoShutdown'],
    [{ children: {} }, 'children'],
    [{ children: [{ logic: worker }] }, 'children[0].id'],
    [{ children: [{ id: 'a' }] }, 'children[0].logic'],
    [{ children: [{ id: 'a', logic: worker }, { id: 'a', logic: worker }] }, 'children[1].id'],
    [{ children: [{ id: 'a', logic: worker, restart: 'always' }] }, 'children[0].restart'],
    [{ children: [{ id: 'a', logic: worker, shutdown: -5 }] }, 'children[0].shutdown'],
    [{ autoShutdown: 'any_significant', children: [{ id: 'a', logic: worker, significant: true }] }, 'children[0].significant'],
    [{ children: [{ id: 'a', logic: worker, restart: 'transient', significant: true }] }, 'children[0].significant'],
    [{ backoff: { factor: 0.5 } }, 'backoff.factor'],
    [{ aggregate: { policy: 'most' } }, 'aggregate.policy'],
    [{ aggregate: { policy: 'quorum' } }, 'aggregate.quorum'],
    [{ aggregate: { timeout: -1 } }, 'aggregate.timeout'],
    [{ restartEverything: true }, 'restartEverything'],
  ])('rejects %j with INVALID_SPEC naming %s', (options, field) => {
    expect(() => supervisor(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field }));
    try {
      supervisor(options as never);
    } catch (err) {
      expect((err as Error).message).toContain(field);
    }
  });

  it('dead-letters user events sent to a supervisor with UNHANDLED_MESSAGE', async () => {
    const { root, system, dead } = await tree({ children: [] });
    root.send({ type: 'hello' });
    await system.idle();
    expect(dead).toMatchObject([{ recipient: 'arbor://t/root', reason: { code: 'UNHANDLED_MESSAGE' } }]);
  });
});
