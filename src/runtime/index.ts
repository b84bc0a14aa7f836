/**
 * The runtime: the system, refs and paths, the mailbox and dispatcher, the clock, errors, and the
 * transport seam with its in-memory default. It imports nothing from the layers built on it.
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
export * from './system.js';
export * from './transport.js';
export * from './topics.js';
export * from './journal.js';
export * from './cluster.js';
export * from './remote-cell.js';
export * from './remote-ref.js';
export * from './ref-features.js';
export * from './system-ids.js';
export * from './inspection.js';
