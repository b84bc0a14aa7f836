/**
 * The runtime: the system, refs and paths, the mailbox and dispatcher, the clock, errors, the
 * transport seam with its in-memory default, and the ports through which a distribution layer
 * connects the system to other nodes. It imports nothing from the layers built on it.
 */
export * from './errors.js';
export * from './clock.js';
export * from './deque.js';
export * from './mailbox.js';
export * from './dispatcher.js';
export * from './paths.js';
export * from './event.js';
export * from './result-slot.js';
export * from './cell.js';
export * from './ref.js';
export * from './ask.js';
export * from './emitter.js';
export * from './actor-system.js';
export * from './system-events.js';
export * from './dead-letter-log.js';
export * from './dead-letter-stream.js';
export * from './meter.js';
export * from './tracer.js';
export * from './schemas.js';
export * from './node-status.js';
export * from './distribution.js';
export * from './transport.js';
export * from './topics.js';
export * from './pool-server.js';
export * from './journal.js';
export * from './validate.js';
export * from './system-options.js';
export * from './durable-options.js';
export * from './ref-features.js';
export * from './system-ids.js';
export * from './inspection.js';
