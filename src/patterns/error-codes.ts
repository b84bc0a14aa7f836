/** The error codes the orchestration patterns own, added to the runtime's `ErrorCode` union. */
export type PatternErrorCode = 'BUDGET_EXCEEDED' | 'CIRCUIT_OPEN' | 'WORKFLOW_TIMEOUT';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    BUDGET_EXCEEDED: 'patterns';
    CIRCUIT_OPEN: 'patterns';
    WORKFLOW_TIMEOUT: 'patterns';
  }
}
