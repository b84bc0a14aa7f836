/**
 * Traces across nodes: with an OpenTelemetry SDK registered (in-memory exporter), a chain of
 * messages that crosses three nodes over RabbitMQ is one trace, each `process` span the child of
 * the `send` span that produced its message, each later `send` the child of the `process` span it
 * was made in. This file registers the global tracer provider, so it runs in a process of its own
 * (vitest isolates files).
 */
import { trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { setup } from 'xstate';
import { supervisor } from '../../src/index.js';
import { relay } from '../support/relay.js';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from './broker.js';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => trace.disable());

const boom = setup({ actions: { boom: () => { throw new Error('boom'); } } }).createMachine({ on: { '*': { actions: 'boom' } } });

describeBroker('OpenTelemetry traces across nodes', () => {
  afterEach(async () => {
    await shutdownSystems();
    exporter.reset();
  });
  afterAll(cleanupClusters);

  it('makes a chain across three nodes over RabbitMQ one trace with the right parent links', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const [a, b, c] = await Promise.all([startSystem('a', cluster), startSystem('b', cluster), startSystem('c', cluster)]);
    await waitFor('the nodes to see each other', () => [a, b, c].every((s) => s.nodes().length === 3));
    const seen: string[] = [];
    a.spawn(relay(undefined, seen), { id: 'z', input: { next: undefined } });
    c.spawn(relay('finish', seen), { id: 'y', input: { next: c.lookup('arbor://a/z') } });
    b.spawn(relay('step', seen), { id: 'x', input: { next: b.lookup('arbor://c/y') } });
    a.lookup('arbor://b/x')!.send({ type: 'start', correlationId: 'wf-1' });
    await waitFor('the chain to end on a', () => seen.length === 1);
    await a.idle();

    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['messaging.message.conversation_id'] === 'wf-1');
    const byName = (name: string): ReadableSpan => {
      const found = spans.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const chain = ['send start', 'process start', 'send step', 'process step', 'send finish', 'process finish'].map(byName);
    expect(new Set(chain.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(chain[0]!.parentSpanContext).toBeUndefined();
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.parentSpanContext?.spanId, chain[i]!.name).toBe(chain[i - 1]!.spanContext().spanId);
    expect(chain.map((s) => s.kind)).toEqual([SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.PRODUCER, SpanKind.CONSUMER]);
    expect(chain[1]!.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'arbor.actor.path': 'arbor://b/x', 'arbor.event.type': 'start', 'messaging.destination.name': 'arbor://b/x' });
    expect(chain[2]!.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'arbor.node': 'b' });
    expect(chain[2]!.attributes['messaging.message.id']).toEqual(expect.any(String));
    expect(chain[5]!.attributes).toMatchObject({ 'arbor.actor.path': 'arbor://a/z', 'arbor.node': 'a' });
    // The PRODUCER spans across nodes carry the AMQP routing key (OTel messaging semconv).
    expect(chain.filter((s) => s.kind === SpanKind.PRODUCER).map((s) => s.attributes['messaging.rabbitmq.destination.routing_key'])).toEqual(['node.b.msg.start', 'node.c.msg.step', 'node.a.msg.finish']);
  });

  it('puts the routing key of pool sends and published events on their PRODUCER spans', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster);
    a.poolRef('jobs').send({ type: 'job', correlationId: 'wf-rk' });
    a.publish({ type: 'order.placed', correlationId: 'wf-rk' });
    await waitFor('both send spans', () => exporter.getFinishedSpans().filter((s) => s.attributes['messaging.message.conversation_id'] === 'wf-rk').length >= 2);
    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['messaging.message.conversation_id'] === 'wf-rk');
    const key = (name: string) => spans.find((s) => s.name === name && s.kind === SpanKind.PRODUCER)?.attributes['messaging.rabbitmq.destination.routing_key'];
    expect(key('send job')).toBe('pool.jobs');
    expect(key('send order.placed')).toBe('evt.order.placed');
  });

  it('marks the process span of a crash as an error and keeps the trace in the dead letter', { timeout: 30_000 }, async () => {
    const cluster = uniqueCluster();
    const [a, b] = await Promise.all([startSystem('a', cluster), startSystem('b', cluster)]);
    await waitFor('the nodes to see each other', () => a.nodes().length === 2);
    b.spawn(supervisor({ children: [{ id: 'w', logic: boom }] }), { id: 'root' });
    a.lookup('arbor://b/root/w')!.send({ type: 'go', correlationId: 'wf-2' });
    await waitFor('the crash', () => b.deadLetters().length === 1);
    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['messaging.message.conversation_id'] === 'wf-2');
    const send = spans.find((s) => s.name === 'send go')!;
    const processed = spans.find((s) => s.name === 'process go')!;
    expect(processed.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(processed.status.code).toBe(SpanStatusCode.ERROR);
    expect(processed.events.map((e) => e.name)).toEqual(expect.arrayContaining(['exception', 'arbor.dead_letter']));
    // The supervisor's restart continues the crash's trace.
    await waitFor('the restart span', () => exporter.getFinishedSpans().some((s) => s.name === 'restart w'));
    const restart = exporter.getFinishedSpans().find((s) => s.name === 'restart w')!;
    expect(restart.parentSpanContext?.spanId).toBe(processed.spanContext().spanId);
    expect(restart.attributes).toMatchObject({ 'arbor.actor.path': 'arbor://b/root/w', 'arbor.supervisor.path': 'arbor://b/root' });
  });
});
