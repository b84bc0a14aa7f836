/**
 * Orchestration patterns as building blocks on the runtime: event metadata and idempotency,
 * event chaining, scatter-gather, sagas, choreography, hierarchical delegation, request–reply
 * with correlation ids, per-workflow timeouts, budgets and circuit breakers. The machine-shaped
 * ones are plain XState logic, so they run as supervised workers and the diagram and check tools
 * read them like any other machine.
 */
export * from './event.js';
export * from './idempotent.js';
export * from './scatter-gather.js';
export * from './request.js';
export * from './budget.js';
export * from './breaker.js';
export * from './timeout.js';
export * from './saga.js';
export * from './chain.js';
export * from './choreography.js';
export * from './delegation.js';
export type { PatternErrorCode } from './error-codes.js';
