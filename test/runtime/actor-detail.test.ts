/** What the runtime tells the inspector: tree rows with state, restarts and mailboxes, and one actor in detail. */
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { createSystem, SimulatedClock, supervisor } from '../../src/index.js';
import { jsonText, stateValueText } from '../../src/runtime/actor-detail.js';
import { light } from '../inspector/fixtures.js';

describe('tree rows for the inspector', () => {
  it('carry each worker’s current state value and a supervisor’s strategy and phase', async () => {
    const system = await createSystem({ logger: false });
    system.spawn(supervisor({ strategy: 'rest_for_one', children: [{ id: 'w1', logic: light }] }), { id: 'root' });
    system.lookup('root/w1')?.send({ type: 'next' });
    await system.idle();
    const [root] = system.describe().roots;
    expect(root).toMatchObject({ type: 'supervisor', strategy: 'rest_for_one', state: 'running' });
    expect(root?.children?.[0]).toMatchObject({ id: 'w1', state: 'yellow' });
    expect(root?.children?.[0]?.restarts).toBeUndefined();
    await system.shutdown();
  });

  it('count a child’s restarts', async () => {
    const system = await createSystem({ logger: false });
    system.spawn(supervisor({ intensity: 5, children: [{ id: 'w1', logic: light }] }), { id: 'root' });
    system.lookup('root/w1')?.send({ type: 'boom' });
    await system.idle();
    system.lookup('root/w1')?.send({ type: 'boom' });
    await system.idle();
    expect(system.describe().roots[0]?.children?.[0]).toMatchObject({ restarts: 2, state: 'green' });
    await system.shutdown();
  });

  it('show a held mailbox’s depth and how long its oldest message has waited', async () => {
    const clock = new SimulatedClock();
    const system = await createSystem({ logger: false, clock, random: () => 0.5 });
    system.spawn(supervisor({ backoff: { min: 10_000, max: 10_000, jitter: 0 }, children: [{ id: 'w1', logic: light }] }), { id: 'root' });
    const w1 = system.lookup('root/w1');
    w1?.send({ type: 'boom' });
    await system.idle();
    // Crashed; its restart waits 10 s of backoff: what arrives now is held.
    w1?.send({ type: 'next' });
    clock.increment(3000);
    w1?.send({ type: 'next' });
    clock.increment(2000);
    expect(system.describe().roots[0]?.children?.[0]?.mailbox).toEqual({ depth: 2, oldestAge: 5000 });
    clock.increment(5000);
    await system.idle();
    expect(system.describe().roots[0]?.children?.[0]).toMatchObject({ state: 'red' });
    expect(system.describe().roots[0]?.children?.[0]?.mailbox).toBeUndefined();
    await system.shutdown();
  });
});

describe('actorDetail', () => {
  it('gives a worker’s state, active state nodes, context, recent events and its machine as DOT', async () => {
    const counter = createMachine({ id: 'counter', context: { n: 41 }, initial: 'on', states: { on: { on: { inc: { actions: () => undefined } } } } });
    const system = await createSystem({ logger: false });
    system.spawn(counter, { id: 'c' });
    for (let i = 0; i < 12; i++) system.lookup('c')?.send({ type: 'inc', i });
    await system.idle();
    const detail = await system.actorDetail('c');
    expect(detail).toMatchObject({ path: `arbor://${system.node}/c`, node: system.node, type: 'worker', status: 'running', state: 'on', activeStates: ['counter', 'counter.on'], context: '{"n":41}', restarts: 0, mailbox: { depth: 0, oldestAge: 0 } });
    // The last eight, oldest first.
    expect(detail?.recentEvents).toEqual(Array.from({ length: 8 }, (_, k) => JSON.stringify({ type: 'inc', i: k + 4 })));
    expect(detail?.dot).toContain('digraph "counter"');
    expect(await system.actorDetail('nobody')).toBeUndefined();
    await system.shutdown();
  });
});

describe('jsonText', () => {
  it('cuts long text, and describes cycles, functions and bigints instead of throwing', () => {
    expect(jsonText({ s: 'x'.repeat(100) }, 20)).toHaveLength(20);
    expect(jsonText({ s: 'x'.repeat(100) }, 20).endsWith('…')).toBe(true);
    const cyclic: Record<string, unknown> = { a: 1n, f: () => 1 };
    cyclic['self'] = cyclic;
    expect(jsonText(cyclic, 1000)).toBe('{"a":"1n","f":"[function]","self":"[circular]"}');
    expect(jsonText({ toJSON: () => { throw new Error('no'); } }, 100)).toBe('[not serialisable: no]');
  });

  it('writes state values as dotted paths, and parallel ones as JSON', () => {
    expect(stateValueText('idle')).toBe('idle');
    expect(stateValueText({ shipping: { packed: 'sealed' } })).toBe('shipping.packed.sealed');
    expect(stateValueText({ a: 'x', b: 'y' })).toBe('{"a":"x","b":"y"}');
    expect(stateValueText(undefined)).toBeUndefined();
  });
});

describe('actorDetail of a supervisor', () => {
  it('gives its phase and its children and results as context, without its subtree', async () => {
    const system = await createSystem({ logger: false });
    system.spawn(supervisor({ children: [{ id: 'w1', logic: light }] }), { id: 'root' });
    await system.idle();
    const detail = await system.actorDetail('root');
    expect(detail).toMatchObject({ type: 'supervisor', state: 'running', restarts: 0 });
    expect(JSON.parse(detail?.context ?? '{}')).toMatchObject({ children: [{ id: 'w1', status: 'running' }] });
    expect(detail?.dot).toBeUndefined();
    expect(system.describe().roots[0]?.children).toHaveLength(1);
    await system.shutdown();
  });
});
