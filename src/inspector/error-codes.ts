/** The error codes the inspector owns, added to the runtime's `ErrorCode` union. */
export type InspectorErrorCode = 'INSPECTOR_FAILED';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** The inspector could not listen on its address, or its page did not build. */
    INSPECTOR_FAILED: 'inspector';
  }
}
