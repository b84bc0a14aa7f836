/** The error codes supervision owns, added to the runtime's `ErrorCode` union. */
export type SupervisionErrorCode =
  | 'MAX_RESTART_INTENSITY'
  | 'CHILD_RUNNING'
  | 'CHILD_FAILED'
  | 'AGGREGATE_TIMEOUT'
  | 'QUORUM_UNREACHABLE'
  | 'SHUTDOWN_TIMEOUT'
  | 'UNHANDLED_MESSAGE';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** More restarts than `intensity` within `period`: the supervisor gave up. */
    MAX_RESTART_INTENSITY: 'supervision';
    /** A dynamic child call needs the child stopped. */
    CHILD_RUNNING: 'supervision';
    /** A child failed for good and `aggregate.onPartialFailure` is `'fail'`. */
    CHILD_FAILED: 'supervision';
    AGGREGATE_TIMEOUT: 'supervision';
    QUORUM_UNREACHABLE: 'supervision';
    SHUTDOWN_TIMEOUT: 'supervision';
    /** A supervisor was sent a user event. */
    UNHANDLED_MESSAGE: 'supervision';
  }
}
