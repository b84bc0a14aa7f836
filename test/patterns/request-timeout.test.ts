import { describe, expect, it } from 'vitest';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import { createEvent, request, supervisor, withTimeout, type PatternEvent } from '../../src/index.js';
import { testSystem, worker } from '../fixtures/workers.js';
import { memoryLogger, replier, settle } from './helpers.js';

/** Answers each request first with a stale reply (another workflow), then with the right one. */
const confused = setup({ types: { events: {} as PatternEvent & { replyTo: AnyActorRef } } }).createMachine({
  on: {
    '*': {
      actions: [
        sendTo(({ event }) => event.replyTo, { type: 'quote', correlationId: 'some-other-workflow' }),
        sendTo(({ event }) => event.replyTo, ({ event }) => ({ type: 'quote', correlationId: event.correlationId, price: 7 })),
      ],
    },
  },
});

describe('request', () => {
  it('resolves with the reply whose correlation id matches, logging and skipping the others', async () => {
    const { logger, lines } = memoryLogger();
    const t = await testSystem({ logger });
    const pricing = t.system.spawn(confused, { id: 'pricing' });
    const mismatched: unknown[] = [];
    const question = createEvent('quote.requested', { sku: 'a' }, { source: 'shop', clock: t.clock });
    const reply = await request(t.system, pricing, question, { timeout: 1000, onMismatch: (r) => mismatched.push(r.correlationId) });
    expect(reply).toMatchObject({ correlationId: question.correlationId, price: 7 });
    expect(mismatched).toEqual(['some-other-workflow']);
    expect(lines.find((l) => l.msg === 'reply with a mismatched correlation id ignored')).toMatchObject({ correlationId: question.correlationId, eventId: question.id, got: 'some-other-workflow' });
    await t.system.shutdown();
  });

  it('rejects with ASK_TIMEOUT naming the correlation id when no matching reply comes in time', async () => {
    const t = await testSystem();
    const silent = t.system.spawn(replier, { id: 'silent', input: { mode: 'silent' } });
    const question = createEvent('estimate', null, { source: 'shop', correlationId: 'wf-9' });
    const pending = request(t.system, silent, question, { timeout: 500 });
    await settle(t.system);
    t.clock.increment(500);
    await expect(pending).rejects.toMatchObject({ code: 'ASK_TIMEOUT', details: { correlationId: 'wf-9', timeout: 500, target: 'arbor://t/silent' } });
    await t.system.shutdown();
  });

  it('takes only pattern events', async () => {
    const t = await testSystem();
    const r = t.system.spawn(replier, { id: 'r' });
    expect(() => request(t.system, r, { type: 'estimate' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    await t.system.shutdown();
  });
});

describe('withTimeout', () => {
  const slow = setup({ types: { context: {} as { n: number } } }).createMachine({
    context: { n: 0 },
    initial: 'working',
    states: { working: { on: { step: { actions: assign({ n: ({ context }) => context.n + 1 }) }, finish: 'done' } }, done: { type: 'final' } },
    output: ({ context }) => context.n,
  });

  it('passes events through and keeps the output of a workflow that finishes in time', async () => {
    const t = await testSystem();
    const ref = t.system.spawn(withTimeout(slow, { timeout: 1000 }), { id: 'wf' });
    ref.send({ type: 'step' });
    ref.send({ type: 'step' });
    t.clock.increment(999);
    ref.send({ type: 'finish' });
    await settle(t.system);
    await expect(ref.result()).resolves.toBe(2);
    await t.system.shutdown();
  });

  it('crashes with WORKFLOW_TIMEOUT after the timeout, so its supervisor restarts it', async () => {
    const t = await testSystem();
    t.system.spawn(supervisor({ intensity: 5, children: [{ id: 'wf', logic: withTimeout(slow, { timeout: 1000, name: 'research' }), restart: 'transient' }] }), { id: 'root' });
    await settle(t.system);
    t.clock.increment(1000);
    await settle(t.system);
    const exited = t.reports.find((r) => r.kind === 'child_exited');
    expect(exited?.reason).toMatchObject({ code: 'WORKFLOW_TIMEOUT', details: { workflow: 'research', timeout: 1000 } });
    expect(t.trail('child_restarted')).toEqual(['child_restarted:wf']);
    await t.system.shutdown();
  });

  it("crashes with the workflow's own error when it crashes", async () => {
    const t = await testSystem();
    const ref = t.system.spawn(withTimeout(worker, { timeout: 1000 }), { id: 'wf' });
    ref.send({ type: 'crash' });
    await settle(t.system);
    await expect(ref.result()).rejects.toThrow('boom');
    await t.system.shutdown();
  });
});
