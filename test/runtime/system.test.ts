import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMachine, fromPromise } from 'xstate';
import type { ArborError} from '../../src/index.js';
import { createSystem, supervisor, type ActorRef } from '../../src/index.js';
import { testSystem, worker } from '../fixtures/workers.js';

describe('refs, send and ask', () => {
  it('delivers a send asynchronously, never on the caller’s stack', async () => {
    const { system } = await testSystem();
    const ref = system.spawn(worker, { id: 'w' });
    ref.send({ type: 'work' });
    expect((ref.getSnapshot() as { context: { n: number } }).context.n).toBe(0);
    await system.idle();
    expect((ref.getSnapshot() as { context: { n: number } }).context.n).toBe(1);
  });

  it('throws a TypeError with code INVALID_EVENT for anything but a plain object with a string type', async () => {
    const { system } = await testSystem();
    const ref = system.spawn(worker, { id: 'w' });
    for (const bad of [null, 'work', 42, {}, { type: 7 }, [{ type: 'x' }], new Date()]) {
      expect(() => ref.send(bad as never)).toThrow(TypeError);
      try {
        ref.send(bad as never);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('INVALID_EVENT');
      }
    }
  });

  it('resolves an ask with the first event the target sends to replyTo', async () => {
    const { system } = await testSystem();
    const ref = system.spawn(worker, { id: 'w' });
    ref.send({ type: 'work' });
    await expect(ref.ask({ type: 'get' })).resolves.toEqual({ type: 'count', n: 1 });
  });

  it('rejects an ask with ASK_TIMEOUT once its timeout passes on the clock', async () => {
    const { system, clock } = await testSystem();
    // It takes the event (a transition with no effect) but never replies: an unhandled ask would fail at once with UNHANDLED_EVENT.
    const silent = system.spawn(createMachine({ initial: 'a', states: { a: { on: { anything: {} } } } }), { id: 'silent' });
    const answer = silent.ask({ type: 'anything' }, { timeout: 250 });
    await system.idle();
    clock.increment(249);
    clock.increment(1);
    await expect(answer).rejects.toMatchObject({ code: 'ASK_TIMEOUT', details: { target: silent.path, timeout: 250 } });
  });

  it('fails an ask at once with the dead-letter reason when its target is stopped', async () => {
    const { system } = await testSystem();
    const ref = system.spawn(worker, { id: 'w' });
    ref.send({ type: 'finish' });
    await ref.result();
    await expect(ref.ask({ type: 'get' })).rejects.toMatchObject({ code: 'ACTOR_STOPPED' });
  });

  it('dead-letters, without throwing, a send to a stopped actor', async () => {
    const { system, dead } = await testSystem();
    const ref = system.spawn(worker, { id: 'w' });
    ref.send({ type: 'finish' });
    await ref.result();
    expect(() => ref.send({ type: 'work' })).not.toThrow();
    expect(dead).toMatchObject([{ recipient: 'arbor://t/w', event: { type: 'work' }, reason: { code: 'ACTOR_STOPPED' } }]);
  });

  it('looks actors up by full path or by path relative to the node', async () => {
    const { system } = await testSystem();
    system.spawn(supervisor({ children: [{ id: 'w1', logic: worker }] }), { id: 'root' });
    expect(system.lookup('arbor://t/root/w1')?.path).toBe('arbor://t/root/w1');
    expect(system.lookup('root/w1')).toBe(system.lookup('arbor://t/root/w1'));
    expect(system.lookup('root/nope')).toBeUndefined();
    expect(system.lookup('arbor://other/root/w1')).toBeUndefined();
  });

  it('resolves result() with the output of a normal exit and rejects it with the error of a crash', async () => {
    const { system } = await testSystem();
    const ok = system.spawn(worker, { id: 'ok' });
    ok.send({ type: 'work' });
    ok.send({ type: 'finish' });
    await expect(ok.result()).resolves.toBe(1);
    const bad = system.spawn(worker, { id: 'bad' });
    bad.send({ type: 'crash' });
    await expect(bad.result()).rejects.toThrow('boom');
  });

  it('runs any XState actor logic, not only machines', async () => {
    const { system } = await testSystem();
    const p = system.spawn(fromPromise(async ({ input }: { input: number }) => input * 2), { id: 'p', input: 21 });
    await expect(p.result()).resolves.toBe(42);
  });

  it('rejects a bad spawn with INVALID_SPEC naming the field', async () => {
    const { system } = await testSystem();
    system.spawn(worker, { id: 'w' });
    expect(() => system.spawn(worker, { id: 'w' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'id' }));
    expect(() => system.spawn(worker, { id: 'a/b' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'id' }));
    expect(() => system.spawn({ not: 'logic' } as never, { id: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'logic' }));
  });
});

describe('crashes and dead letters', () => {
  it('dead-letters the message being processed at a crash and gives queued ones to the restarted incarnation', async () => {
    const { system, dead } = await testSystem();
    system.spawn(supervisor({ children: [{ id: 'w', logic: worker }] }), { id: 'root' });
    const w = system.lookup('root/w') as ActorRef;
    w.send({ type: 'work', n: 1 });
    w.send({ type: 'crash' });
    w.send({ type: 'work', n: 2 });
    w.send({ type: 'work', n: 3 });
    await system.idle();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ recipient: 'arbor://t/root/w', event: { type: 'crash' }, reason: { code: 'ACTOR_CRASHED' } });
    expect((dead[0]!.reason as ArborError).cause).toMatchObject({ message: 'boom' });
    expect((w.getSnapshot() as { context: { seen: number[] } }).context.seen).toEqual([2, 3]);
  });

  it('keeps the ref valid across restarts', async () => {
    const { system } = await testSystem();
    system.spawn(supervisor({ intensity: 5, children: [{ id: 'w', logic: worker }] }), { id: 'root' });
    const before = system.lookup('root/w')!;
    before.send({ type: 'crash' });
    before.send({ type: 'crash' });
    before.send({ type: 'work' });
    await system.idle();
    expect(system.lookup('root/w')).toBe(before);
    await expect(before.ask({ type: 'get' })).resolves.toEqual({ type: 'count', n: 1 });
  });
});

describe('bounded mailboxes', () => {
  it('dead-letters the newest message with MAILBOX_FULL under the default reject policy', async () => {
    const { system, dead } = await testSystem();
    const ref = system.spawn(worker, { id: 'w', mailbox: { capacity: 2 } });
    for (let n = 1; n <= 4; n++) ref.send({ type: 'work', n });
    expect(dead.map((d) => [(d.event as { n: number }).n, d.reason.code])).toEqual([
      [3, 'MAILBOX_FULL'],
      [4, 'MAILBOX_FULL'],
    ]);
    await system.idle();
    expect((ref.getSnapshot() as { context: { seen: number[] } }).context.seen).toEqual([1, 2]);
  });

  it('dead-letters the oldest message under drop_oldest', async () => {
    const { system, dead } = await testSystem();
    const ref = system.spawn(worker, { id: 'w', mailbox: { capacity: 2, overflow: 'drop_oldest' } });
    for (let n = 1; n <= 4; n++) ref.send({ type: 'work', n });
    expect(dead.map((d) => (d.event as { n: number }).n)).toEqual([1, 2]);
    await system.idle();
    expect((ref.getSnapshot() as { context: { seen: number[] } }).context.seen).toEqual([3, 4]);
  });

  it('throws MAILBOX_FULL on the sender’s stack under the throw policy', async () => {
    const { system } = await testSystem();
    const ref = system.spawn(worker, { id: 'w', mailbox: { capacity: 1, overflow: 'throw' } });
    ref.send({ type: 'work' });
    expect(() => ref.send({ type: 'work' })).toThrow(expect.objectContaining({ code: 'MAILBOX_FULL' }));
  });

  it('rejects bad mailbox options with INVALID_SPEC', async () => {
    const { system } = await testSystem();
    expect(() => system.spawn(worker, { id: 'w', mailbox: { capacity: 0 } })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'mailbox.capacity' }));
    expect(() => system.spawn(worker, { id: 'v', mailbox: { overflow: 'drop' as never } })).toThrow(expect.objectContaining({ field: 'mailbox.overflow' }));
  });
});

describe('time, shutdown, inspection and logs', () => {
  it('drives XState delays with the injected clock', async () => {
    const { system, clock } = await testSystem();
    const timer = createMachine({ initial: 'wait', states: { wait: { after: { 1000: 'done' } }, done: { type: 'final' } }, output: () => 'rang' });
    const ref = system.spawn(timer, { id: 'timer' });
    clock.increment(999);
    expect((ref.getSnapshot() as { status: string }).status).toBe('active');
    clock.increment(1);
    await expect(ref.result()).resolves.toBe('rang');
  });

  it('stops root actors in reverse start order at shutdown and fails pending asks', async () => {
    const { system } = await testSystem();
    const log: string[] = [];
    system.spawn(worker, { id: 'a', input: { name: 'a', log, gracefulMs: 0 } });
    const b = system.spawn(createMachine({ initial: 's', states: { s: { on: { 'never-answered': {} } } } }), { id: 'b' });
    system.spawn(worker, { id: 'c', input: { name: 'c', log, gracefulMs: 0 } });
    const pending = b.ask({ type: 'never-answered' });
    await system.shutdown();
    expect(log).toEqual(['start:a', 'start:c', 'stop:c', 'stop:a']);
    await expect(pending).rejects.toMatchObject({ code: 'SYSTEM_SHUTDOWN' });
    expect(() => system.spawn(worker, { id: 'late' })).toThrow(expect.objectContaining({ code: 'SYSTEM_SHUTDOWN' }));
  });

  it('emits XState-compatible inspection events for workers and supervisors', async () => {
    const events: { type: string }[] = [];
    const { system } = await testSystem({ inspect: (e) => events.push(e) });
    system.spawn(supervisor({ children: [{ id: 'w', logic: worker }] }), { id: 'root' });
    system.lookup('root/w')!.send({ type: 'work' });
    await system.idle();
    const types = new Set(events.map((e) => e.type));
    expect(types).toEqual(expect.objectContaining(new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot'])));
    expect(events.some((e) => e.type === '@xstate.event' && (e as unknown as { event: { type: string } }).event.type === 'work')).toBe(true);
  });

  it('logs dead letters as structured pino lines with the recipient and correlation id', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
    const system = await createSystem({ node: 't', logger: pino({ level: 'info' }, sink) });
    const ref = system.spawn(worker, { id: 'w' });
    ref.send({ type: 'finish' });
    await ref.result();
    ref.send({ type: 'work', correlationId: 'order-42' } as never);
    await system.shutdown();
    expect(lines).toContainEqual(expect.objectContaining({ recipient: 'arbor://t/w', eventType: 'work', code: 'ACTOR_STOPPED', correlationId: 'order-42' }));
  });
});
