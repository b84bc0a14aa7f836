/**
 * The trace a piece of library code (a saga, a pattern) is running in, without a context manager:
 * the `process` span of the message an actor is processing right now (set by the message tracer
 * around each turn; turns are synchronous, so one slot serves every system of the process), else
 * the span active in the caller's OpenTelemetry context.
 *
 * With no tracer provider registered nothing sets the slot and the API's no-op answers: no cost
 * beyond a property read.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { TRACER_NAME } from './tracer-name.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

let processing: Span | undefined;

/** @internal Called by the message tracer when a turn begins (`span`) and ends (`undefined`). */
export function setProcessingSpan(span: Span | undefined): void {
  processing = span;
}

/** The `traceparent` of the span running now, or undefined when nothing is traced. */
export function currentTraceparent(): string | undefined {
  const sc = (processing ?? trace.getActiveSpan())?.spanContext();
  return sc && sc.traceId !== '00000000000000000000000000000000' ? formatTraceparent(sc) : undefined;
}

/**
 * Runs `fn` inside an INTERNAL span `name`, child of the span `traceparent` names (see
 * {@link currentTraceparent}); a rejection sets the span's status to error. Without a
 * `traceparent` it just runs `fn`.
 */
export async function withChildSpan<T>(traceparent: string | undefined, name: string, attributes: Attributes, fn: () => Promise<T> | T): Promise<T> {
  const parent = parseTraceparent(traceparent);
  if (!parent) return fn();
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.INTERNAL, attributes }, trace.setSpanContext(ROOT_CONTEXT, parent));
  try {
    return await fn();
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}
