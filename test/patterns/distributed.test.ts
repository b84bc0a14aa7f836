/**
 * Patterns across two systems in one process over the real broker: scatter-gather asking workers
 * placed on another node, a choreography whose participants live on different nodes, and a saga
 * hosted on one node under a supervisor on the other.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { assign, sendTo, setup, type AnyActorRef } from 'xstate';
import {
  chain,
  choreography,
  idempotent,
  createEvent,
  publisher,
  reactor,
  request,
  saga,
  scatterGather,
  supervisor,
  type ActorRef,
  type ChainOutput,
  type PatternEvent,
  type SagaOutput,
  type System,
} from '../../src/index.js';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';
import { collector, replier, seen } from './helpers.js';

const node = startSystem;

/** Nodes a and b of a fresh cluster, each seeing the other. */
async function pair(kindsOnB: Record<string, unknown> = {}): Promise<{ a: System; b: System }> {
  const cluster = uniqueCluster();
  const b = await node('b', cluster, kindsOnB);
  const a = await node('a', cluster);
  await waitFor('a and b to see each other', () => a.nodes().some((n) => n.node === 'b') && b.nodes().some((n) => n.node === 'a'));
  return { a, b };
}

describeBroker('patterns over RabbitMQ', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('scatter-gather on node a asks workers placed on node b and gathers by quorum', async () => {
    const { a, b } = await pair({ replier });
    a.spawn(
      supervisor({ children: [1, 2, 3].map((v) => ({ id: `w${v}`, kind: 'replier', node: 'b', input: { value: v, mode: v === 2 ? 'silent' : 'reply' } })) }),
      { id: 'pool' },
    );
    await waitFor('workers hosted on b', () => b.describe().hosted.length === 3);
    const workers = [1, 2, 3].map((v) => a.lookup(`pool/w${v}`)) as ActorRef[];
    const gather = a.spawn(scatterGather<{ value: number }>({ policy: 'quorum', deadline: 5000 }), { id: 'gather', input: { workers, request: { type: 'estimate' } } });
    const out = await gather.result();
    expect(out.ok).toBe(true);
    expect(out.results.map((r) => r.reply.value).sort()).toEqual([1, 3]);
    expect(out.results.map((r) => r.worker).sort()).toEqual(['arbor://a/pool/w1', 'arbor://a/pool/w3']);
  });

  it('choreography: participants on two nodes pass a workflow along by topic, and a subscriber joins later', async () => {
    const { a, b } = await pair();
    await choreography(b, [
      { id: 'researcher', logic: reactor({ name: 'researcher', emit: 'research.done', run: (d: { topic: string }) => `notes on ${d.topic}` }), input: { publish: publisher(b) }, topics: ['research.requested'] },
    ]);
    const flow = await choreography(a, [
      { id: 'writer', logic: reactor({ name: 'writer', emit: 'draft.done', run: (notes: string) => `article: ${notes}` }), input: { publish: publisher(a) }, topics: ['research.done'] },
    ]);
    const auditor = await flow.join({ id: 'auditor', logic: collector, topics: ['#'] });
    const start = createEvent('research.requested', { topic: 'actors' }, { source: 'planner' });
    publisher(a).send(start);
    await waitFor('the draft', () => seen(auditor).length === 3);
    const events = seen<{ type: string; correlationId: string; source: string }>(auditor);
    expect(events.map((e) => `${e.type}@${e.source}`)).toEqual(['research.requested@planner', 'research.done@researcher', 'draft.done@writer']);
    expect(events.every((e) => e.correlationId === start.correlationId)).toBe(true);
  });

  it('a saga hosted on node b under a supervisor on node a compensates in reverse and reports to a', async () => {
    const log: string[] = [];
    const step = (name: string, fail = false) => ({
      name,
      run: async () => {
        log.push(`run:${name}`);
        if (fail) throw new Error(`${name} declined`);
        return name;
      },
      compensate: async () => void log.push(`undo:${name}`),
    });
    const order = saga({ id: 'order', steps: [step('reserve'), step('charge'), step('ship', true)] });
    const { a, b } = await pair({ order });
    const root = a.spawn(supervisor({ aggregate: { policy: 'all' }, children: [{ id: 'o1', kind: 'order', node: 'b', restart: 'transient' }] }), { id: 'orders' });
    const out = (await root.result()) as { o1: SagaOutput };
    expect(out.o1).toMatchObject({ status: 'compensated', failedStep: 'ship', reason: 'ship declined', compensated: ['charge', 'reserve'] });
    expect(log).toEqual(['run:reserve', 'run:charge', 'run:ship', 'undo:charge', 'undo:reserve']);
    expect(b.describe().hosted.length).toBeLessThanOrEqual(1);
  });

  it('request-reply: a request from node a to a worker on node b resolves with the reply carrying its correlation id', async () => {
    const { a, b } = await pair({ replier });
    a.spawn(supervisor({ children: [{ id: 'w', kind: 'replier', node: 'b', input: { value: 42 } }] }), { id: 'pool' });
    await waitFor('worker hosted on b', () => b.describe().hosted.length === 1);
    const question = createEvent('estimate', {}, { source: 'a' });
    const reply = await request<{ type: string; value: number; correlationId: string }>(a, a.lookup('pool/w') as ActorRef, question, { timeout: 5000 });
    expect(reply.correlationId).toBe(question.correlationId);
    expect(reply.value).toBe(42);
  });

  it('event chaining: a chain hosted on node b emits each stage to a sink on node a, failures routed with the reason', async () => {
    const stages = (draft: (notes: string[]) => string) =>
      chain(
        [
          { on: 'research.requested', emit: 'research.done', run: (d: { topic: string }) => [`${d.topic} restart`] },
          { on: 'research.done', emit: 'draft.done', run: draft },
          { on: 'draft.done', emit: 'review.done', run: (t: string) => t, validate: (t: string) => (t.includes('TODO') ? 'draft still has a TODO' : true) },
        ],
        { id: 'article' },
      );
    const { a, b } = await pair({ good: stages((n) => n.join('. ')), sloppy: stages(() => 'TODO') });
    const sink = a.spawn(collector, { id: 'sink' });
    const failures = a.spawn(collector, { id: 'failures' });
    a.spawn(
      supervisor({
        aggregate: { policy: 'all' },
        children: ['good', 'sloppy'].map((kind) => ({ id: kind, kind, node: 'b', restart: 'transient' as const, input: { sink, onFailure: failures } })),
      }),
      { id: 'chains' },
    );
    await waitFor('both chains hosted on b', () => b.describe().hosted.length === 2);
    for (const id of ['good', 'sloppy']) a.lookup(`chains/${id}`)?.send(createEvent('research.requested', { topic: 'actors' }, { source: 'planner', correlationId: id }));
    const outs = (await Promise.all(['good', 'sloppy'].map((id) => a.lookup(`chains/${id}`)?.result()))) as ChainOutput[];
    expect(outs.map((o) => o.status)).toEqual(['completed', 'failed']);
    await waitFor('sink and failures', () => seen(sink).length === 5 && seen(failures).length === 1);
    const emitted = seen(sink) as unknown as PatternEvent[];
    expect(emitted.filter((e) => e.correlationId === 'good').map((e) => e.type)).toEqual(['research.done', 'draft.done', 'review.done']);
    expect((seen(failures)[0] as unknown as { type: string; correlationId: string }).correlationId).toBe('sloppy');
  });

  it('event chaining with ask stages: the routing slip crosses the broker, to a child placed on b, a root actor on b and an actor on a', async () => {
    const answerer = setup({ types: { input: {} as { by: string }, context: {} as { by: string } } }).createMachine({
      context: ({ input }) => ({ by: input.by }),
      on: {
        '*': {
          actions: ({ context, event }) => {
            const { replyTo, data } = event as { replyTo?: ActorRef; data?: unknown };
            replyTo?.send({ type: 'answer', by: context.by, got: data });
          },
        },
      },
    });
    const { a, b } = await pair({ answerer });
    a.spawn(supervisor({ children: [{ id: 'research', kind: 'answerer', node: 'b', input: { by: 'research' } }] }), { id: 'stages' });
    b.spawn(answerer, { id: 'draft', input: { by: 'draft' } });
    const review = a.spawn(answerer, { id: 'review', input: { by: 'review' } });
    await waitFor('research hosted on b', () => b.describe().hosted.length === 1);
    const sink = a.spawn(collector, { id: 'sink' });
    const article = chain(
      [
        { on: 'research.requested', emit: 'research.done', to: a.lookup('stages/research') as ActorRef },
        { on: 'research.done', emit: 'draft.done', to: a.lookup('arbor://b/draft') as ActorRef },
        { on: 'draft.done', emit: 'review.done', to: review },
      ],
      { id: 'article' },
    );
    const ref = a.spawn(article, { id: 'article', input: { sink } });
    ref.send(createEvent('research.requested', { topic: 'actors' }, { source: 'planner', correlationId: 'wf' }));
    const out = (await ref.result()) as ChainOutput;
    expect(out.status).toBe('completed');
    expect(out.events.map((e) => e.type)).toEqual(['research.requested', 'research.done', 'draft.done', 'review.done']);
    expect(out.events.every((e, i) => i === 0 || e.causationId === out.events[i - 1]!.id)).toBe(true);
    expect(out.events[3]!.data).toEqual({ type: 'answer', by: 'review', got: { type: 'answer', by: 'draft', got: { type: 'answer', by: 'research', got: { topic: 'actors' } } } });
    await waitFor('the sink to see the three stages', () => seen(sink).length === 3);
    expect(seen(sink).map((e) => e.type)).toEqual(['research.done', 'draft.done', 'review.done']);
  });

  it('idempotency: the same event delivered twice to a worker on another node is processed once', async () => {
    const counter = setup({ types: { context: {} as { n: number }, events: {} as PatternEvent } }).createMachine({
      context: { n: 0 },
      on: { 'tick': { actions: assign({ n: ({ context }) => context.n + 1 }) }, dump: { actions: sendTo(({ event }) => (event as unknown as { replyTo: AnyActorRef }).replyTo, ({ context }) => ({ type: 'n', n: context.n })) } },
    });
    const { a, b } = await pair({ counter: idempotent(counter, { capacity: 100 }) });
    a.spawn(supervisor({ children: [{ id: 'c', kind: 'counter', node: 'b' }] }), { id: 'root' });
    await waitFor('hosted', () => b.describe().hosted.length === 1);
    const tick = createEvent('tick', {}, { source: 'test' });
    const ref = a.lookup('root/c') as ActorRef;
    ref.send(tick);
    ref.send(tick);
    ref.send(createEvent('tick', {}, { source: 'test' }));
    const reply = (await ref.ask(createEvent('dump', {}, { source: 'test' }))) as { n: number };
    expect(reply.n).toBe(2);
  });
});
