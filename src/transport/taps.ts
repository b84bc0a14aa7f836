/**
 * Observers: what a {@link RabbitmqTransport.subscribe | subscribe} handler sees. A tap gets its
 * own exclusive queue bound to the pattern, so it receives copies and never competes with the
 * node that consumes the real message; batches are unwrapped so the handler sees envelopes.
 */
import type { Envelope } from '../runtime/transport.js';
import { decodeFrame } from './codec.js';

/** Broker facts common to everything tapped. */
interface Tapped {
  routingKey: string;
  /** AMQP headers (dead letters carry `x-arbor-reason`, `x-arbor-code`, ...). */
  headers: Record<string, unknown>;
}

/** One observed item. */
export type TappedMessage =
  | (Tapped & { type: 'envelope'; envelope: Envelope })
  | (Tapped & { type: 'heartbeat'; node: string; kinds: string[]; startedAt: number })
  | (Tapped & { type: 'bye'; node: string })
  | (Tapped & { type: 'undecodable'; reason: string });

/** Receives tapped items; a throwing handler is logged and does not stop the tap. */
export type TapHandler = (message: TappedMessage) => void;

/** Stops a tap and deletes its queue. */
export type StopTap = () => Promise<void>;

/** The items one AMQP message holds, for a tap. */
export function tappedMessages(msg: { body: unknown; routingKey: string; headers?: Record<string, unknown> | undefined }): TappedMessage[] {
  const base: Tapped = { routingKey: msg.routingKey, headers: { ...msg.headers } };
  if (!(msg.body instanceof Uint8Array)) return [{ ...base, type: 'undecodable', reason: 'body is not binary' }];
  const decoded = decodeFrame(msg.body);
  if (!decoded.ok) return [{ ...base, type: 'undecodable', reason: decoded.reason }];
  const frame = decoded.frame;
  switch (frame.t) {
    case 'env':
      return [{ ...base, type: 'envelope', envelope: frame.envelope }];
    case 'batch':
      return frame.envelopes.map((envelope) => ({ ...base, type: 'envelope', envelope }));
    case 'hb':
      return [{ ...base, type: 'heartbeat', node: frame.node, kinds: frame.kinds, startedAt: frame.startedAt }];
    case 'bye':
      return [{ ...base, type: 'bye', node: frame.node }];
  }
}
