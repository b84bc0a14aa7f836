import { afterEach, describe, expect, it } from 'vitest';
import { assign, cancel, createMachine, fromPromise, raise, sendTo, setup } from 'xstate';
import { supervisor } from '../../src/supervision/supervisor.js';
import { SimulatedClock } from '../../src/runtime/clock.js';
import { localStore } from '../../src/store/LocalStore.js';
import { join } from 'node:path';
import { counter, systemAt, tempDir, until, workingMachine } from './helpers.js';

type Counter = { value: string; context: { count: number; log: string[] } };

let dir: { path: string; cleanup(): void };
afterEach(() => dir?.cleanup());

describe('durable actors', () => {
  it('resume the committed context when the node starts again under the same id', async () => {
    dir = tempDir();
    const first = await systemAt(dir.path);
    const ref = first.spawn(counter, { id: 'c', durable: true });
    for (let i = 0; i < 5; i++) ref.send({ type: 'inc' });
    await until(() => (ref.getSnapshot() as Counter | undefined)?.context.count === 5);
    await first.shutdown();

    const second = await systemAt(dir.path);
    const again = second.spawn(counter, { id: 'c', durable: true });
    await until(() => (again.getSnapshot() as Counter | undefined)?.context.count !== undefined);
    expect((again.getSnapshot() as Counter).context.count).toBe(5);
    again.send({ type: 'inc', by: 10 });
    await until(() => (again.getSnapshot() as Counter).context.count === 15);
    await second.shutdown();
  });

  it('say they are durable in the node description (arbor status, the inspector), and plain actors do not', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    system.spawn(supervisor({ children: [{ id: 'c', logic: counter, durable: true }, { id: 'p', logic: counter }] }), { id: 'root' });
    const [root] = system.describe().roots;
    expect(root?.children?.find((c) => c.id === 'c')).toMatchObject({ durable: true, type: 'worker' });
    expect(root?.children?.find((c) => c.id === 'p')).not.toHaveProperty('durable');
    await system.shutdown();
  });

  it('resume from the last commit when a supervisor restarts them after a crash', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    const root = system.spawn(supervisor({ intensity: 5, children: [{ id: 'c', logic: counter, durable: true }] }), { id: 'root' });
    const child = system.lookup('root/c');
    if (!child) throw new Error('no child');
    child.send({ type: 'inc' });
    child.send({ type: 'inc' });
    child.send({ type: 'boom' });
    child.send({ type: 'inc' });
    await until(() => (child.getSnapshot() as Counter | undefined)?.context.count === 3);
    expect((child.getSnapshot() as Counter).value).toBe('counting');
    void root;
    await system.shutdown();
  });

  it('process a message whose messageId was committed only once, across a restart of the node', async () => {
    dir = tempDir();
    const first = await systemAt(dir.path);
    const ref = first.spawn(counter, { id: 'c', durable: true });
    ref.send({ type: 'inc', messageId: 'm1' });
    ref.send({ type: 'inc', messageId: 'm1' });
    ref.send({ type: 'inc', messageId: 'm2' });
    await first.idle();
    await until(() => (ref.getSnapshot() as Counter | undefined)?.context.count === 2);
    await first.shutdown();
    const second = await systemAt(dir.path);
    const again = second.spawn(counter, { id: 'c', durable: true });
    again.send({ type: 'inc', messageId: 'm2' });
    again.send({ type: 'inc', messageId: 'm3' });
    await until(() => (again.getSnapshot() as Counter | undefined)?.context.count === 3);
    await second.idle();
    expect((again.getSnapshot() as Counter).context.count).toBe(3);
    await second.shutdown();
  });

  it('re-arm a pending after timer with the time it had left, and it fires once', async () => {
    dir = tempDir();
    const clock1 = new SimulatedClock(1_000_000);
    const first = await systemAt(dir.path, 'a', { clock: clock1 });
    const ref = first.spawn(counter, { id: 'c', durable: true });
    ref.send({ type: 'wait' });
    await until(() => (ref.getSnapshot() as Counter | undefined)?.value === 'waiting');
    await first.idle();
    clock1.increment(400);
    await first.shutdown();

    const clock2 = new SimulatedClock(1_000_400);
    const second = await systemAt(dir.path, 'a', { clock: clock2 });
    const again = second.spawn(counter, { id: 'c', durable: true });
    await until(() => (again.getSnapshot() as Counter | undefined)?.value === 'waiting');
    clock2.increment(599);
    await second.idle();
    expect((again.getSnapshot() as Counter).value).toBe('waiting');
    clock2.increment(1);
    await until(() => (again.getSnapshot() as Counter).value === 'counting');
    clock2.increment(5000);
    await second.idle();
    expect((again.getSnapshot() as Counter).context.log).toEqual(['timer']);
    await second.shutdown();
  });

  it('fire an overdue timer at once on resume', async () => {
    dir = tempDir();
    const clock1 = new SimulatedClock(0);
    const first = await systemAt(dir.path, 'a', { clock: clock1 });
    const ref = first.spawn(counter, { id: 'c', durable: true });
    ref.send({ type: 'wait' });
    await until(() => (ref.getSnapshot() as Counter | undefined)?.value === 'waiting');
    await first.shutdown();
    const clock2 = new SimulatedClock(50_000);
    const second = await systemAt(dir.path, 'a', { clock: clock2 });
    const again = second.spawn(counter, { id: 'c', durable: true });
    await until(() => (again.getSnapshot() as Counter | undefined)?.value !== undefined);
    clock2.increment(0);
    await until(() => (again.getSnapshot() as Counter).value === 'counting');
    expect((again.getSnapshot() as Counter).context.log).toEqual(['timer']);
    await second.shutdown();
  });

  it('start an invoked promise that was running again with the same input', async () => {
    dir = tempDir();
    const inputs: number[] = [];
    const first = await systemAt(dir.path);
    const ref = first.spawn(workingMachine((input) => (inputs.push(input.n), new Promise<number>(() => {}))), { id: 'w', durable: true });
    await until(() => inputs.length === 1);
    await first.idle();
    await first.shutdown();
    const second = await systemAt(dir.path);
    const again = second.spawn(workingMachine((input) => (inputs.push(input.n), Promise.resolve(input.n * 2))), { id: 'w', durable: true });
    await until(() => (again.getSnapshot() as { value?: string } | undefined)?.value === 'idle');
    expect(inputs).toEqual([7, 7]);
    expect((again.getSnapshot() as { context: { result: number } }).context.result).toBe(14);
    void ref;
    await second.shutdown();
  });

  it('delete their state when they exit normally', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    const ref = system.spawn(counter, { id: 'c', durable: true });
    ref.send({ type: 'inc' });
    ref.send({ type: 'finish' });
    await expect(ref.result()).resolves.toBe(1);
    await system.shutdown();
    const store = localStore(join(dir.path, 'a'));
    expect(await store.load('arbor://a/c')).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.close();
  });

  it('keep their state when the system shuts down', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    const ref = system.spawn(counter, { id: 'c', durable: true });
    ref.send({ type: 'inc' });
    await until(() => (ref.getSnapshot() as Counter | undefined)?.context.count === 1);
    await system.shutdown();
    const store = localStore(join(dir.path, 'a'));
    expect((await store.list()).map((s) => s.path)).toEqual(['arbor://a/c']);
    await store.close();
  });

  it('refuse an inline invoked actor at spawn with NOT_PERSISTABLE naming it', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    const inline = createMachine({ id: 'inline', initial: 's', states: { s: { invoke: { src: fromPromise(async () => 1) } } } });
    expect(() => system.spawn(inline, { id: 'x', durable: true })).toThrow(expect.objectContaining({ code: 'NOT_PERSISTABLE', details: expect.objectContaining({ culprit: 'inline.s invoke[0]' }) }) as Error);
    await system.shutdown();
  });

  it('fail the start with NOT_PERSISTABLE naming a function in context', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    const withFn = setup({}).createMachine({ id: 'fn', context: { ok: 1, nested: { callback: () => 1 } } });
    const ref = system.spawn(withFn, { id: 'f', durable: true });
    await expect(ref.result()).rejects.toMatchObject({ code: 'NOT_PERSISTABLE', details: { culprit: 'context.nested.callback' } });
    await system.shutdown();
  });

  it('refuse to resume state written by another version, unless told to reset', async () => {
    dir = tempDir();
    const first = await systemAt(dir.path);
    const ref = first.spawn(counter, { id: 'c', durable: { version: '1' } });
    ref.send({ type: 'inc' });
    await until(() => (ref.getSnapshot() as Counter | undefined)?.context.count === 1);
    await first.shutdown();

    const second = await systemAt(dir.path);
    const refused = second.spawn(counter, { id: 'c', durable: { version: '2' } });
    await expect(refused.result()).rejects.toMatchObject({ code: 'INCOMPATIBLE_STATE', details: { stored: { id: 'counter', version: '1' } } });
    const reset = second.spawn(counter, { id: 'c2', durable: { version: '2', onIncompatible: 'reset' } });
    await until(() => reset.getSnapshot() !== undefined);
    await second.shutdown();

    const third = await systemAt(dir.path);
    const fresh = third.spawn(counter, { id: 'c', durable: { version: '2', onIncompatible: 'reset' } });
    await until(() => (fresh.getSnapshot() as Counter | undefined)?.context !== undefined);
    expect((fresh.getSnapshot() as Counter).context.count).toBe(0);
    await third.shutdown();
  });

  it('reject durable on a supervisor and a bad durable option with INVALID_SPEC', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    expect(() => system.spawn(supervisor({ children: [] }), { id: 's', durable: true })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }) as Error);
    expect(() => system.spawn(counter, { id: 'x', durable: { onIncompatible: 'keep' as 'reset' } })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }) as Error);
    expect(() => system.spawn(supervisor({ children: [{ id: 's', logic: supervisor({ children: [] }), durable: true }] }), { id: 'r' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }) as Error);
    await system.shutdown();
  });
});

describe('a durable child placed through the placement protocol', () => {
  it('receives each message with a messageId its owner gave it, distinct per message', async () => {
    dir = tempDir();
    const seen = setup({ types: { context: {} as { ids: string[] }, events: {} as { type: 'note'; messageId?: string } } }).createMachine({
      id: 'seen',
      context: { ids: [] },
      on: { note: { actions: assign({ ids: ({ context, event }) => [...context.ids, event.messageId ?? 'none'] }) } },
    });
    const system = await systemAt(dir.path, 'a', { kinds: { seen } });
    system.spawn(supervisor({ children: [{ id: 'w', kind: 'seen', node: ['a'], durable: true }] }), { id: 'root' });
    const ref = system.lookup('root/w');
    for (let i = 0; i < 3; i++) ref?.send({ type: 'note' });
    ref?.send({ type: 'note', messageId: 'mine' });
    const store = localStore(join(dir.path, 'a'));
    let ids: string[] = [];
    for (let i = 0; i < 500 && ids.length < 4; i++) {
      ids = ((await store.load('arbor://a/root/w'))?.snapshot as { context?: { ids: string[] } } | undefined)?.context?.ids ?? [];
      if (ids.length < 4) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(ids.slice(0, 3).every((id) => id.startsWith('a:'))).toBe(true);
    expect(ids[3]).toBe('mine');
    await store.close();
    await system.shutdown();
  });
});

describe('a durable child its supervisor deletes', () => {
  it('has its state removed, while a sibling that was only terminated keeps its own', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    const root = system.spawn(supervisor({ children: [] }), { id: 'root' });
    const gone = await root.startChild({ id: 'gone', logic: counter, durable: true });
    const kept = await root.startChild({ id: 'kept', logic: counter, durable: true });
    gone.send({ type: 'inc' });
    kept.send({ type: 'inc' });
    await until(() => [gone, kept].every((r) => (r.getSnapshot() as Counter | undefined)?.context.count === 1));
    await system.idle();
    await root.terminateChild('gone');
    await root.deleteChild('gone');
    await root.terminateChild('kept');
    await system.shutdown();
    const store = localStore(join(dir.path, 'a'));
    expect((await store.list()).map((s) => s.path)).toEqual(['arbor://a/root/kept']);
    await store.close();
  });
});

describe('messages a durable actor sends while it processes one', () => {
  it('carry deterministic ids derived from that message, so a durable receiver can drop a re-send', async () => {
    dir = tempDir();
    const forwarder = setup({}).createMachine({
      id: 'forwarder',
      on: { go: { actions: [sendTo(({ system }) => system.get('b'), { type: 'inc' }), sendTo(({ system }) => system.get('b'), () => ({ type: 'inc', by: 2 }))] } },
    });
    const system = await systemAt(dir.path);
    const b = system.spawn(counter, { id: 'b', durable: true, systemId: 'b' });
    const a = system.spawn(forwarder, { id: 'fwd', durable: true });
    a.send({ type: 'go', messageId: 'm1' });
    await until(() => (b.getSnapshot() as Counter | undefined)?.context.count === 3);
    // The same sends again (as after a crash of fwd before its commit): dropped by b.
    b.send({ type: 'inc', messageId: 'm1|arbor://a/fwd|1' });
    b.send({ type: 'inc', by: 2, messageId: 'm1|arbor://a/fwd|2' });
    b.send({ type: 'inc', by: 10, messageId: 'other' });
    await until(() => (b.getSnapshot() as Counter).context.count === 13);
    await system.idle();
    expect((b.getSnapshot() as Counter).context.count).toBe(13);
    await system.shutdown();
    const store = localStore(join(dir.path, 'a'));
    expect((await store.load('arbor://a/b'))?.recentMessageIds).toEqual(['m1|arbor://a/fwd|1', 'm1|arbor://a/fwd|2', 'other']);
    await store.close();
  });
});

describe('a durable child placed with `node` (the owner forwards to its host) that its supervisor deletes', () => {
  it('has its state removed by the owner, while a sibling that was only terminated keeps its own', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path, 'a', { kinds: { counter } });
    const root = system.spawn(supervisor({ children: [] }), { id: 'root' });
    const gone = await root.startChild({ id: 'gone', kind: 'counter', node: ['a'], durable: true });
    const kept = await root.startChild({ id: 'kept', kind: 'counter', node: ['a'], durable: true });
    gone.send({ type: 'inc' });
    kept.send({ type: 'inc' });
    const store = localStore(join(dir.path, 'a'));
    const stored = async () => (await store.list()).map((s) => s.path);
    for (let i = 0; i < 2000 && (await stored()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(await stored()).toEqual(['arbor://a/root/gone', 'arbor://a/root/kept']);
    await root.terminateChild('gone');
    await root.deleteChild('gone');
    await root.terminateChild('kept');
    for (let i = 0; i < 2000 && (await stored()).length > 1; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    await system.shutdown();
    expect(await stored()).toEqual(['arbor://a/root/kept']);
    await store.close();
  });
});

describe('a durable actor that keeps a ref in context', () => {
  it('commits it as its path and, restarted after a crash, sends through it to the same actor', async () => {
    dir = tempDir();
    type Target = { send(e: unknown): void };
    const holder = setup({
      types: { context: {} as { target: Target | undefined }, events: {} as { type: 'hold'; target: Target } | { type: 'release' } | { type: 'boom' } },
      actions: {
        fail: () => {
          throw new Error('boom');
        },
      },
    }).createMachine({
      id: 'holder',
      context: { target: undefined },
      on: {
        hold: { actions: assign({ target: ({ event }) => event.target }) },
        release: { actions: ({ context }) => context.target?.send({ type: 'inc', by: 5 }) },
        boom: { actions: 'fail' },
      },
    });
    const system = await systemAt(dir.path);
    const sink = system.spawn(counter, { id: 'sink' });
    const root = system.spawn(supervisor({ intensity: 5, children: [{ id: 'h', logic: holder, durable: true }] }), { id: 'root' });
    const h = system.lookup('root/h')!;
    h.send({ type: 'hold', target: sink });
    const store = localStore(join(dir.path, 'a'));
    let stored: unknown;
    for (let i = 0; i < 2000 && stored === undefined; i++) {
      stored = ((await store.load('arbor://a/root/h'))?.snapshot as { context?: { target?: unknown } } | undefined)?.context?.target;
      if (stored === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(stored).toEqual({ $ref: 'arbor://a/sink' });
    h.send({ type: 'boom' });
    h.send({ type: 'release' });
    await until(() => (sink.getSnapshot() as Counter).context.count === 5);
    expect(root.whichChildren()).toEqual([expect.objectContaining({ id: 'h', status: 'running' })]);
    await store.close();
    await system.shutdown();
  });
});

describe('send options: messageId', () => {
  it('gives any message an id a durable actor processes once; a malformed id throws on the sender', async () => {
    dir = tempDir();
    const system = await systemAt(dir.path);
    const ref = system.spawn(counter, { id: 'c', durable: true });
    ref.send({ type: 'inc' }, { messageId: 'm1' });
    ref.send({ type: 'inc' }, { messageId: 'm1' });
    ref.send({ type: 'inc', by: 10 }, { messageId: 'm2', priority: 'urgent' });
    ref.send({ type: 'inc', by: 100 });
    await until(() => (ref.getSnapshot() as Counter | undefined)?.context.count === 111);
    await system.idle();
    expect((ref.getSnapshot() as Counter).context.count).toBe(111);
    expect(() => ref.send({ type: 'inc' }, { messageId: '' })).toThrow(TypeError);
    expect(() => ref.send({ type: 'inc' }, { messageId: 7 as never })).toThrow(TypeError);
    await system.shutdown();
    const store = localStore(join(dir.path, 'a'));
    expect((await store.load('arbor://a/c'))?.recentMessageIds?.slice().sort()).toEqual(['m1', 'm2']);
    await store.close();
  });
});

/** How many pending timers the state committed at `path` holds, once it holds any (polled: the commit is asynchronous). */
async function committedTimers(store: ReturnType<typeof localStore>, path: string): Promise<number> {
  let timers = 0;
  for (let i = 0; i < 2000 && timers === 0; i++) {
    timers = (await store.load(path))?.timers.length ?? 0;
    if (timers === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return timers;
}

describe('a durable actor whose invoked child machine waits on a delayed event', () => {
  it('re-arms the child’s timer on resume with the time it had left', async () => {
    dir = tempDir();
    const child = createMachine({ id: 'pause', initial: 'waiting', states: { waiting: { after: { 1000: 'done' } }, done: { type: 'final' } } });
    const parent = setup({ actors: { pause: child } }).createMachine({
      id: 'pauser',
      initial: 'pausing',
      states: { pausing: { invoke: { id: 'p', src: 'pause', onDone: 'over' } }, over: { type: 'final' } },
    });
    const clock1 = new SimulatedClock(1_000_000);
    const first = await systemAt(dir.path, 'a', { clock: clock1 });
    first.spawn(parent, { id: 'x', durable: true });
    await first.idle();
    const store = localStore(join(dir.path, 'a'));
    expect(await committedTimers(store, 'arbor://a/x')).toBe(1);
    await store.close();
    clock1.increment(400);
    await first.shutdown();

    const clock2 = new SimulatedClock(1_000_400);
    const second = await systemAt(dir.path, 'a', { clock: clock2 });
    const again = second.spawn(parent, { id: 'x', durable: true });
    await second.idle();
    clock2.increment(599);
    await second.idle();
    expect((again.getSnapshot() as { value: unknown }).value).toBe('pausing');
    clock2.increment(1);
    await expect(again.result()).resolves.toBeUndefined();
    await second.shutdown();
  });

  it('cancels the child’s re-armed timer as the child leaves its state, as without a resume', async () => {
    dir = tempDir();
    // The child schedules `ping` to itself; `calm` cancels it. Re-armed under the wrong source, the cancel missed it.
    const child = setup({ types: { events: {} as { type: 'calm' } | { type: 'ping' } } }).createMachine({
      id: 'pinger',
      initial: 'waiting',
      states: {
        waiting: { entry: raise({ type: 'ping' }, { delay: 1000, id: 'ping' }), on: { calm: { target: 'calm', actions: cancel('ping') }, ping: 'pinged' } },
        calm: { on: { ping: 'pinged' } },
        pinged: { type: 'final' },
      },
    });
    const parent = setup({ actors: { pinger: child }, types: { events: {} as { type: 'calm' } } }).createMachine({
      id: 'holder',
      initial: 'holding',
      states: { holding: { invoke: { id: 'c', src: 'pinger', onDone: 'pinged' }, on: { calm: { actions: sendTo('c', { type: 'calm' }) } } }, pinged: { type: 'final' } },
    });
    const clock1 = new SimulatedClock(1_000_000);
    const first = await systemAt(dir.path, 'a', { clock: clock1 });
    first.spawn(parent, { id: 'y', durable: true });
    await first.idle();
    const store = localStore(join(dir.path, 'a'));
    expect(await committedTimers(store, 'arbor://a/y')).toBe(1);
    await store.close();
    await first.shutdown();

    const clock2 = new SimulatedClock(1_000_400);
    const second = await systemAt(dir.path, 'a', { clock: clock2 });
    const again = second.spawn(parent, { id: 'y', durable: true });
    await second.idle();
    again.send({ type: 'calm' });
    await second.idle();
    clock2.increment(2000);
    await second.idle();
    // Under createActor the cancelled ping never comes: the parent is still holding.
    expect((again.getSnapshot() as { value: unknown }).value).toBe('holding');
    await second.shutdown();
  });
});

