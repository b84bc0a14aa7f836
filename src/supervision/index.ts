/**
 * Supervision: child specs and their validation, the shared templates normalized children read, pure restart strategies, restart statistics,
 * backoff, result aggregation, and the supervisor cell that carries decisions out.
 */
export * from './spec.js';
export type { ChildTemplate, NormalizedChildSpec, RestartType } from './child-template.js';
export * from './strategy.js';
export * from './restart-intensity.js';
export * from './backoff.js';
export * from './aggregate.js';
export * from './lifecycle.js';
export * from './supervisor.js';
export * from './supervisor-ref.js';
export { SupervisorCell, supervisorCellFactory } from './supervisor-cell.js';
export type { SupervisionErrorCode } from './error-codes.js';
