/**
 * A saga's steps and compensations are spans on the trace of the message that started it. This
 * file registers the global tracer provider, so it runs in a process of its own (vitest isolates files).
 */
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setup, spawnChild } from 'xstate';
import { createSystem, saga } from '../../src/index.js';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => trace.disable());

it('puts each saga step and compensation attempt on the trace of the message that started the saga', { timeout: 20_000 }, async () => {
  let undoTries = 0;
  const order = saga<{ order: string }>({
    id: 'order',
    retry: { attempts: 3, min: 1, max: 1 },
    steps: [
      { name: 'reserve', run: () => 'r1', compensate: () => { if (undoTries++ === 0) throw new Error('stock service down'); } },
      { name: 'charge', run: () => { throw new Error('card declined'); } },
    ],
  });
  const starter = setup({ actors: { order } }).createMachine({
    on: { start: { actions: spawnChild('order', { id: 'o-1', input: { order: 'o-1' } }) } },
  });
  const system = await createSystem({ node: 'n', logger: false });
  try {
    const ref = system.spawn(starter, { id: 'shop' });
    ref.send({ type: 'start', correlationId: 'wf-saga' });
    for (let i = 0; i < 200 && !exporter.getFinishedSpans().some((s) => s.name === 'saga.compensate reserve' && s.status.code !== SpanStatusCode.ERROR); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const spans = exporter.getFinishedSpans();
    const processStart = spans.find((s) => s.name === 'process start');
    expect(processStart).toBeDefined();
    const sagaSpans = spans.filter((s) => s.name.startsWith('saga.'));
    expect(sagaSpans.map((s) => s.name)).toEqual(['saga.step reserve', 'saga.step charge', 'saga.compensate reserve', 'saga.compensate reserve']);
    for (const s of sagaSpans) {
      expect(s.spanContext().traceId, s.name).toBe(processStart!.spanContext().traceId);
      expect(s.parentSpanContext?.spanId, s.name).toBe(processStart!.spanContext().spanId);
    }
    const [, charge, firstUndo, secondUndo] = sagaSpans;
    expect(charge!.status.code).toBe(SpanStatusCode.ERROR);
    expect(firstUndo!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'stock service down' });
    expect(firstUndo!.events.map((e) => e.name)).toContain('exception');
    expect(firstUndo!.attributes).toMatchObject({ 'arbor.saga.id': 'order', 'arbor.saga.step': 'reserve', 'arbor.saga.attempt': 1, 'arbor.saga.failed_step': 'charge' });
    expect(secondUndo!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(secondUndo!.attributes['arbor.saga.attempt']).toBe(2);
  } finally {
    await system.shutdown();
  }
});
