import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { Dispatcher, type Runnable } from '../../src/runtime/dispatcher.js';
import type { ArborError } from '../../src/runtime/errors.js';
import type { Envelope, TransportHost } from '../../src/runtime/transport.js';
import { SimNetwork } from '../../src/workflow/network.js';
import { NodeClock, SimTime } from '../../src/workflow/time.js';

function host(network: SimNetwork, time: SimTime, node: string) {
  const got: Envelope[] = [];
  const lost: { envelope: Envelope; error: ArborError }[] = [];
  const down: string[] = [];
  const h: TransportHost = {
    node,
    kinds: [],
    logger: pino({ enabled: false }),
    clock: new NodeClock(time, node),
    deliver: (e) => (got.push(e), { ok: true }),
    undeliverable: (envelope, error) => lost.push({ envelope, error }),
    nodeUp: () => undefined,
    nodeDown: (n) => down.push(n),
  };
  network.attach(h);
  return { got, lost, down };
}

const env = (from: string, n: number): Envelope => ({ id: `${from}-${n}`, to: 'arbor://b/root/x', kind: 'user', body: { type: 'e', from, n }, sentAt: 0 });

describe('the simulated broker', () => {
  it('keeps each sender’s order to a node whatever order the schedule delivers channels in', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'c'), { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 60 }), (senders, picks) => {
        const time = new SimTime();
        const network = new SimNetwork(time);
        host(network, time, 'a');
        const b = host(network, time, 'b');
        host(network, time, 'c');
        const counts: Record<string, number> = { a: 0, c: 0 };
        senders.forEach((s) => network.send(s, 'b', env(s, ++counts[s]!)));
        for (const p of [...picks, ...senders.map(() => 0)]) {
          const ready = network.channelList.filter((c) => network.deliverable(c));
          if (ready.length === 0) break;
          network.deliver(ready[p % ready.length]!);
        }
        expect(b.got).toHaveLength(senders.length);
        for (const s of ['a', 'c']) {
          const ns = b.got.map((e) => e.body as { from: string; n: number }).filter((m) => m.from === s).map((m) => m.n);
          expect(ns).toEqual([...ns].sort((x, y) => x - y));
        }
      }),
    );
  });

  it('gives the control lane a channel of its own: a report can overtake user messages sent before it, never another report', () => {
    const time = new SimTime();
    const network = new SimNetwork(time);
    host(network, time, 'a');
    const b = host(network, time, 'b');
    network.send('a', 'b', env('a', 1));
    network.send('a', 'b', { ...env('a', 2), kind: 'system' }, true);
    network.send('a', 'b', { ...env('a', 3), kind: 'system' }, true);
    const [user, control] = network.channelList;
    expect([user?.control, control?.control, user?.size, control?.size]).toEqual([false, true, 1, 2]);
    network.deliver(control!);
    network.deliver(user!);
    network.deliver(control!);
    expect(b.got.map((e) => e.id)).toEqual(['a-2', 'a-1', 'a-3']);
  });

  it('drops what is on a dead node’s control lane when it drains the node (deleted with its queue, undrained)', () => {
    const time = new SimTime();
    const network = new SimNetwork(time);
    host(network, time, 'a');
    host(network, time, 'b');
    const c = host(network, time, 'c');
    network.send('a', 'b', env('a', 1));
    network.send('a', 'b', { ...env('a', 2), kind: 'system' }, true);
    network.down('b');
    expect(network.drain('b', 'c')).toBe(1);
    for (let ch = network.channelList.find((x) => network.deliverable(x)); ch; ch = network.channelList.find((x) => network.deliverable(x))) network.deliver(ch);
    expect(c.got.map((e) => e.id)).toEqual(['a-1']);
    expect(network.inFlight).toBe(0);
  });

  it('drops a duplicate delivery of the same envelope id at the receiver', () => {
    const time = new SimTime();
    const network = new SimNetwork(time);
    host(network, time, 'a');
    const b = host(network, time, 'b');
    network.send('a', 'b', env('a', 1));
    const channel = network.channelList[0]!;
    network.deliver(channel, true);
    expect(channel.size).toBe(1); // the copy waits at the tail
    network.deliver(channel);
    expect(b.got.map((e) => e.id)).toEqual(['a-1']);
  });

  it('hands a dead node’s queue to the drainer, then refuses new messages for it as unroutable', async () => {
    const time = new SimTime();
    const network = new SimNetwork(time);
    const a = host(network, time, 'a');
    host(network, time, 'b');
    const c = host(network, time, 'c');
    network.send('a', 'b', env('a', 1));
    network.down('b');
    expect(a.down).toEqual(['b']);
    expect(network.channelList.every((ch) => !network.deliverable(ch))).toBe(true);
    expect(network.drain('b', 'c')).toBe(1);
    const drained = network.channelList.find((ch) => network.deliverable(ch))!;
    network.deliver(drained);
    expect(c.got.map((e) => e.id)).toEqual(['a-1']);
    network.send('a', 'b', env('a', 2));
    await Promise.resolve();
    expect(a.lost.map((l) => l.error.code)).toEqual(['UNROUTABLE']);
  });

  it('retries a delivery the host refuses for now, after the real backoff delay, at the tail of its channel', () => {
    const time = new SimTime();
    const network = new SimNetwork(time);
    host(network, time, 'a');
    const refused: string[] = [];
    network.attach({ ...({} as TransportHost), node: 'b', kinds: [], deliver: (e) => (refused.push(e.id), refused.length === 1 ? { ok: false, retry: true, error: { code: 'NOT_FOUND', message: 'restarting' } as ArborError } : { ok: true }) });
    network.send('a', 'b', env('a', 1));
    network.deliver(network.channelList[0]!);
    expect(network.inFlight).toBe(0);
    expect(time.next()?.at).toBe(100);
    time.fireNext();
    network.deliver(network.channelList[0]!);
    expect(refused).toEqual(['a-1', 'a-1']);
  });
});

describe('the dispatcher’s scheduler port', () => {
  const runnable = (): Runnable & { runs: number } => ({ _scheduled: false, runs: 0, run() { this.runs++; return 1; }, hasWork: () => false });

  it('is absent from a dispatcher made without one: the production path is the prototype’s', () => {
    expect(Object.prototype.hasOwnProperty.call(new Dispatcher(), 'schedule')).toBe(false);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes the tasks deferred to a later event-loop turn, and no timer or immediate is set for them', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate'] });
    const deferred: (() => void)[] = [];
    const d = new Dispatcher({ scheduler: { ready: () => undefined, defer: (task) => deferred.push(task) } });
    const ran: string[] = [];
    d.afterTurn(() => ran.push('after turn'));
    d.later(() => ran.push('later'), 2);
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
    expect(ran).toEqual([]);
    for (const task of deferred) task();
    expect(ran).toEqual(['after turn', 'later']);
  });

  it('without one, runs afterTurn tasks on the next turn (setImmediate) and later tasks after their delay (setTimeout)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate'] });
    const d = new Dispatcher();
    const ran: string[] = [];
    d.later(() => ran.push('later'), 2);
    d.afterTurn(() => ran.push('after turn'));
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['after turn']);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['after turn', 'later']);
  });

  it('hands each ready runnable to the scheduler once and runs nothing by itself', async () => {
    const ready: Runnable[] = [];
    const d = new Dispatcher({ scheduler: { ready: (r) => ready.push(r), defer: () => undefined } });
    const r = runnable();
    d.schedule(r);
    d.schedule(r);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toEqual([r]);
    expect(r.runs).toBe(0);
    expect(r._scheduled).toBe(true);
  });
});
