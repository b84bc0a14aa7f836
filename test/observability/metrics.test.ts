import { afterEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { SimulatedClock } from '../../src/runtime/clock.js';
import { createSystem, supervisor, type System } from '../../src/index.js';
import { PROCESSING_SECONDS_BUCKETS } from '../../src/observability/metrics.js';
import { sample } from '../support/prom.js';

let system: System | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const counter = setup({ types: { events: {} as { type: 'inc' } | { type: 'boom' } }, actions: { boom: () => { throw new Error('boom'); } } }).createMachine({
  id: 'counter',
  on: { inc: {}, boom: { actions: 'boom' } },
});

describe('createSystem({ metrics: true })', () => {
  it('counts and times processed messages, dead letters by code, restarts and actors, labelled by logic', async () => {
    system = await createSystem({ node: 'n', logger: false, metrics: true });
    system.spawn(supervisor({ intensity: 10, children: [{ id: 'c', logic: counter }] }), { id: 'root' });
    const ref = system.lookup('root/c')!;
    for (let i = 0; i < 3; i++) ref.send({ type: 'inc' });
    await system.idle();
    ref.send({ type: 'boom' });
    await system.idle();
    const text = await system.metrics();
    expect(sample(text, 'arbor_messages_processed_total', { node: 'n', logic: 'counter' })).toBe(4);
    expect(sample(text, 'arbor_message_processing_seconds_count', { logic: 'counter' })).toBe(4);
    expect(sample(text, 'arbor_message_processing_seconds_bucket', { logic: 'counter', le: '600' })).toBe(4);
    expect(sample(text, 'arbor_dead_letters_total', { code: 'ACTOR_CRASHED' })).toBe(1);
    expect(sample(text, 'arbor_restarts_total', { node: 'n' })).toBe(1);
    expect(sample(text, 'arbor_actors', { logic: 'counter' })).toBe(1);
    expect(sample(text, 'arbor_actors', { logic: 'supervisor' })).toBe(1);
    expect(text).toContain('# TYPE arbor_message_processing_seconds histogram');
  });

  it('has processing buckets from a millisecond to ten minutes', () => {
    expect(PROCESSING_SECONDS_BUCKETS[0]).toBe(0.001);
    expect(PROCESSING_SECONDS_BUCKETS.at(-1)).toBe(600);
  });

  it('keeps one series per logic however many dynamic children run it', async () => {
    system = await createSystem({ node: 'n', logger: false, metrics: true });
    const root = system.spawn(supervisor({ children: [] }), { id: 'root' });
    for (let i = 0; i < 50; i++) await root.startChild({ id: `job-${i}`, logic: counter });
    for (let i = 0; i < 50; i++) system.lookup(`root/job-${i}`)!.send({ type: 'inc' });
    await system.idle();
    const text = await system.metrics();
    expect(text.split('\n').filter((l) => l.startsWith('arbor_messages_processed_total{'))).toHaveLength(1);
    expect(sample(text, 'arbor_messages_processed_total', { logic: 'counter' })).toBe(50);
    expect(sample(text, 'arbor_actors', { logic: 'counter' })).toBe(50);
    expect(text).not.toContain('job-');
  });

  it('reports the depth and the age of the oldest waiting message of a mailbox whose actor is held in a restart backoff', async () => {
    const clock = new SimulatedClock(1_000_000);
    system = await createSystem({ node: 'n', logger: false, metrics: true, clock });
    system.spawn(supervisor({ intensity: 10, backoff: { min: 60_000, max: 60_000, jitter: 0 }, children: [{ id: 'c', logic: counter }] }), { id: 'root' });
    const ref = system.lookup('root/c')!;
    ref.send({ type: 'boom' });
    await system.idle();
    ref.send({ type: 'inc' });
    clock.increment(4000);
    ref.send({ type: 'inc' });
    clock.increment(6000);
    await system.idle();
    let text = await system.metrics();
    expect(sample(text, 'arbor_mailbox_depth', { logic: 'counter' })).toBe(2);
    expect(sample(text, 'arbor_mailbox_oldest_message_age_seconds', { logic: 'counter' })).toBe(10);
    clock.increment(60_000);
    await system.idle();
    text = await system.metrics();
    expect(sample(text, 'arbor_mailbox_depth', { logic: 'counter' })).toBe(0);
    expect(sample(text, 'arbor_mailbox_oldest_message_age_seconds', { logic: 'counter' })).toBe(0);
  });

  it('returns empty exposition text when metrics are off', async () => {
    system = await createSystem({ node: 'n', logger: false });
    expect(await system.metrics()).toBe('');
  });
});
