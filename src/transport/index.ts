/**
 * The RabbitMQ transport: codecs, topology and the adapter. Depends on `../runtime` only; the
 * runtime sees it through the `Transport` interface.
 */
export { RabbitmqTransport, rabbitmqTransport } from './RabbitmqTransport.js';
export { DEFAULT_AMQP_URL, DEFAULT_RABBITMQ_OPTIONS, normalizeRabbitmqOptions } from './options.js';
export { redactUrl } from './redact.js';
export { Topology, encodeKeyWord, decodeKeyWord } from './topology.js';
export { WIRE_VERSION, decodeFrame, encodeEnvelope } from './codec.js';
export { Dedup } from './Dedup.js';
export type { RabbitmqTransportOptions, NormalizedRabbitmqOptions, RetryBackoffOptions, CoalesceOptions } from './options.js';
export type { TappedMessage, TapHandler, StopTap } from './taps.js';
export type { Frame, DecodeResult } from './codec.js';
