/**
 * OpenTelemetry traces of message flow, through `@opentelemetry/api` only (tracer `arbor`; the SDK
 * and exporter are the user's choice). Per message: a PRODUCER span `send <type>` where it is sent
 * and a CONSUMER span `process <type>` where an actor processes it, the second a child of the
 * first. A send made while an actor processes a message is a child of that `process` span, so a
 * workflow across actors and nodes is one trace.
 *
 * Across nodes the context travels as W3C `traceparent` / `tracestate` in the envelope's headers
 * (and in the AMQP headers of single-envelope messages, for other consumers); it is written and
 * read here, so no global propagator needs to be registered. Retries, redeliveries, dead letters
 * and redrives keep the envelope's headers, hence the trace.
 *
 * Contexts are kept per message object in a WeakMap: nothing to clean up, nothing on the wire
 * unless traced.
 */
import { ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Attributes, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { ArborError } from '../runtime/errors.js';
import type { SupervisorReport } from '../runtime/system-events.js';
import type { MessageTracer } from '../runtime/tracer.js';
import type { Envelope } from '../runtime/transport.js';
import { setProcessingSpan } from './active-trace.js';
import { TRACER_NAME } from './tracer-name.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

export { formatTraceparent, parseTraceparent } from './traceparent.js';

export { TRACER_NAME } from './tracer-name.js';

/**
 * Whether a tracer provider is registered with `@opentelemetry/api` (checked once, when a system is
 * created: register the SDK before `createSystem`).
 */
export function tracingEnabled(): boolean {
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider)) return true;
  // A fresh proxy's delegate is the API's no-op provider.
  return provider.getDelegate() !== new ProxyTracerProvider().getDelegate();
}

function typeOf(event: object): string {
  const t = (event as { type?: unknown }).type;
  return typeof t === 'string' ? t : 'unknown';
}

function messageAttributes(event: object, destination: string, system: 'arbor' | 'rabbitmq', extra: Attributes = {}): Attributes {
  const attributes: Attributes = { 'messaging.system': system, 'messaging.destination.name': destination, 'arbor.event.type': typeOf(event), ...extra };
  const correlationId = (event as { correlationId?: unknown }).correlationId;
  if (typeof correlationId === 'string') attributes['messaging.message.conversation_id'] = correlationId;
  return attributes;
}

/** The OpenTelemetry {@link MessageTracer} of one node. */
export class OtelMessageTracer implements MessageTracer {
  private readonly tracer: Tracer = trace.getTracer(TRACER_NAME);
  private readonly contexts = new WeakMap<object, SpanContext>();
  /** Events that came from the wire and were not yet accepted by a mailbox: their arrival is no new send. */
  private readonly arrived = new WeakSet<object>();
  private current: Span | undefined;
  /** The `process` span each actor last crashed in, by path: its restart continues that trace. */
  private readonly crashes = new Map<string, SpanContext>();

  constructor(private readonly node: string) {}

  /** The parent of a new send: the `process` span running now, else whatever context is active. */
  private parent() {
    return this.current ? trace.setSpan(context.active(), this.current) : context.active();
  }

  accepted(event: object, to: string): void {
    if (this.arrived.delete(event)) return;
    const span = this.tracer.startSpan(`send ${typeOf(event)}`, { kind: SpanKind.PRODUCER, attributes: messageAttributes(event, to, 'arbor', { 'arbor.node': this.node }) }, this.parent());
    span.end();
    this.contexts.set(event, span.spanContext());
  }

  begin(event: object, path: string): void {
    const sc = this.contexts.get(event);
    const parent = sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : context.active();
    this.current = this.tracer.startSpan(
      `process ${typeOf(event)}`,
      { kind: SpanKind.CONSUMER, attributes: messageAttributes(event, path, sc?.isRemote ? 'rabbitmq' : 'arbor', { 'arbor.actor.path': path, 'arbor.node': this.node }) },
      parent,
    );
    setProcessingSpan(this.current);
  }

  end(): void {
    this.current?.end();
    this.current = undefined;
    setProcessingSpan(undefined);
  }

  deadLettered(recipient: string, event: unknown, reason: ArborError): void {
    const attributes: Attributes = { 'arbor.dead_letter.code': reason.code, 'arbor.actor.path': recipient };
    if (this.current) {
      // A crash of the actor processing it, or a send refused while processing.
      this.current.addEvent('arbor.dead_letter', attributes);
      if (reason.code === 'ACTOR_CRASHED') {
        this.current.recordException(reason.cause instanceof Error ? reason.cause : reason);
        this.current.setStatus({ code: SpanStatusCode.ERROR, message: reason.message });
        this.crashes.set(recipient, this.current.spanContext());
        // Bounded: an actor that is never restarted (a root) must not be remembered for ever.
        if (this.crashes.size > 1000) this.crashes.delete(this.crashes.keys().next().value as string);
      }
      return;
    }
    const sc = typeof event === 'object' && event !== null ? this.contexts.get(event) : undefined;
    const span = this.tracer.startSpan(`dead-letter ${typeof event === 'object' && event !== null ? typeOf(event) : 'unknown'}`, { attributes }, sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : context.active());
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason.message });
    span.end();
  }

  reported(report: SupervisorReport): void {
    if (report.childPath === undefined) return;
    const crash = this.crashes.get(report.childPath);
    if (crash === undefined || (report.kind !== 'child_restarted' && report.kind !== 'child_terminated')) return;
    this.crashes.delete(report.childPath);
    const span = this.tracer.startSpan(`${report.kind === 'child_restarted' ? 'restart' : 'terminate'} ${report.child}`, { attributes: { 'arbor.actor.path': report.childPath, 'arbor.supervisor.path': report.supervisor, 'arbor.node': this.node } }, trace.setSpanContext(ROOT_CONTEXT, crash));
    span.end();
  }

  outgoing(event: object, envelope: Envelope, destination: string, routingKey?: string): void {
    let sc = this.current ? undefined : this.contexts.get(event);
    if (!sc) {
      // Sent from here to another node (not a forward of a message already sent here).
      const span = this.tracer.startSpan(
        `send ${typeOf(event)}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: messageAttributes(event, envelope.to, 'rabbitmq', {
            'messaging.message.id': envelope.id,
            'arbor.destination.node': destination,
            'arbor.node': this.node,
            ...(routingKey === undefined ? {} : { 'messaging.rabbitmq.destination.routing_key': routingKey }),
          }),
        },
        this.parent(),
      );
      span.end();
      sc = span.spanContext();
    }
    envelope.headers = { ...envelope.headers, ...headersOf(sc) };
  }

  incoming(event: object, envelope: Envelope): void {
    const sc = parseTraceparent(envelope.headers?.['traceparent'], envelope.headers?.['tracestate']);
    if (!sc) return;
    this.contexts.set(event, sc);
    this.arrived.add(event);
  }

  headersOf(event: object): Record<string, string> | undefined {
    const sc = this.contexts.get(event);
    return sc ? headersOf(sc) : undefined;
  }
}

function headersOf(sc: SpanContext): Record<string, string> {
  const headers: Record<string, string> = { traceparent: formatTraceparent(sc) };
  const state = sc.traceState?.serialize();
  if (state) headers['tracestate'] = state;
  return headers;
}
