/**
 * `npm start -- --trace`: the demo's OpenTelemetry spans, written as JSON lines to
 * `out/demo/spans-<node>.jsonl` by each node process, and a text waterfall of the workflow's trace
 * for the summary. An application would register an OTLP exporter instead (see the README).
 */
import { appendFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** One span as a line of `spans-<node>.jsonl`. */
export interface SpanLine {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  /** Epoch ms. */
  start: number;
  end: number;
  error: boolean;
  attributes: Record<string, unknown>;
}

const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/** Registers a tracer provider that appends every finished span to `file`. Call before `createSystem`. */
export function traceToFile(file: string): void {
  rmSync(file, { force: true });
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      const lines = spans.map((s): SpanLine => ({
        name: s.name,
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        ...(s.parentSpanContext ? { parentSpanId: s.parentSpanContext.spanId } : {}),
        kind: s.kind,
        start: ms(s.startTime),
        end: ms(s.endTime),
        error: s.status.code === 2,
        attributes: { ...s.attributes },
      }));
      appendFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      done({ code: 0 });
    },
    shutdown: async () => undefined,
  };
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
}

/** Every span the nodes wrote to `out`. */
export function readSpans(out: string): SpanLine[] {
  return readdirSync(out)
    .filter((f) => /^spans-.*\.jsonl$/.test(f))
    .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SpanLine));
}

/**
 * The trace of the workflow `correlationId` as a text waterfall: one line per span in start order,
 * indented under its parent, with its offset and duration and the actor that processed it; at most
 * `limit` lines.
 */
export function waterfall(spans: readonly SpanLine[], correlationId: string, limit = 40): string[] {
  const traceIds = new Set(spans.filter((s) => s.attributes['messaging.message.conversation_id'] === correlationId).map((s) => s.traceId));
  const mine = spans.filter((s) => traceIds.has(s.traceId)).sort((a, b) => a.start - b.start);
  if (mine.length === 0) return [];
  const byId = new Map(mine.map((s) => [s.spanId, s]));
  const depth = (s: SpanLine): number => {
    let d = 0;
    for (let p = s.parentSpanId && byId.get(s.parentSpanId); p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) d++;
    return d;
  };
  const t0 = mine[0]!.start;
  const lines = mine.slice(0, limit).map((s) => {
    const where = String(s.attributes['arbor.actor.path'] ?? s.attributes['messaging.destination.name'] ?? '').replace(/^arbor:\/\/[^/]+\//, '');
    const node = s.attributes['arbor.node'] ? ` @${String(s.attributes['arbor.node'])}` : '';
    const offset = `+${Math.round(s.start - t0)} ms`.padStart(9);
    const took = `${(s.end - s.start).toFixed(1)} ms`.padStart(9);
    return `${offset}${took}  ${'  '.repeat(Math.min(depth(s), 12))}${s.name}${s.error ? ' ✗' : ''}  ${where}${node}`;
  });
  if (mine.length > limit) lines.push(`  ... ${mine.length - limit} more spans in ${traceIds.size} trace${traceIds.size === 1 ? '' : 's'}`);
  return lines;
}
