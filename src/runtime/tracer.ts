/**
 * The port through which the runtime and the distribution layer report message flow to a tracer
 * (`src/observability/tracing.ts`, OpenTelemetry, installed by `createSystem` when a tracer
 * provider is registered). Without one nothing is called: one property read per send and per
 * actor turn.
 */
import type { ArborError } from './errors.js';
import type { SupervisorReport } from './system-events.js';
import type { Envelope } from './transport.js';

/** What the runtime tells its message tracer. Events are the message objects themselves. */
export interface MessageTracer {
  /** A mailbox on this node accepted `event` for `to` (a send; for an event from the wire, its arrival). */
  accepted(event: object, to: string): void;
  /** The actor at `path` starts processing `event`. */
  begin(event: object, path: string): void;
  /** ... and has finished it. */
  end(): void;
  /** `event` to `recipient` was dead-lettered (during processing: a crash). */
  deadLettered(recipient: string, event: unknown, reason: ArborError): void;
  /**
   * `envelope`, carrying `event`, leaves this node for `destination` (a node, or `$pool`/`$topic`)
   * with the broker routing key `routingKey` (when the transport has one): its trace context goes
   * into `envelope.headers`.
   */
  outgoing(event: object, envelope: Envelope, destination: string, routingKey?: string): void;
  /** `event` arrived in `envelope`: its trace context is taken from the headers. */
  incoming(event: object, envelope: Envelope): void;
  /** A supervisor report: a restart after a crash continues the crash's trace. */
  reported(report: SupervisorReport): void;
  /** The trace headers of `event` as it stands (no new span), for a copy such as a dead letter. */
  headersOf(event: object): Record<string, string> | undefined;
}
