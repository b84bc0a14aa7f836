/**
 * W3C trace context (`traceparent`, `tracestate`) as text: how a span context travels in envelope
 * and AMQP headers, and in a durable actor's context.
 */
import { createTraceState, isSpanContextValid, type SpanContext } from '@opentelemetry/api';

/** `00-<trace id>-<span id>-<flags>` */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote span context of W3C headers, or undefined when absent or malformed. */
export function parseTraceparent(traceparent: string | undefined, tracestate?: string): SpanContext | undefined {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!m) return undefined;
  const sc: SpanContext = { traceId: m[1] as string, spanId: m[2] as string, traceFlags: parseInt(m[3] as string, 16), isRemote: true };
  if (tracestate) sc.traceState = createTraceState(tracestate);
  return isSpanContextValid(sc) ? sc : undefined;
}
