/** The error codes the workflow checker owns, added to the runtime's `ErrorCode` union. */
export type WorkflowErrorCode = 'SOURCE_NOT_FOUND' | 'SOURCE_INVALID' | 'WORKER_FAILED';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** A spec's `source.module` names no file (details: `module`). */
    SOURCE_NOT_FOUND: 'workflow';
    /**
     * A spec's `source` does not build the spec: its module failed to load, the export is missing
     * or not a spec, its factory threw, or it builds a spec other than the one checked (details:
     * `module`, `export`).
     */
    SOURCE_INVALID: 'workflow';
    /** A check's worker thread failed: a run threw, the thread crashed or exited, or it could not start. */
    WORKER_FAILED: 'workflow';
  }
}
