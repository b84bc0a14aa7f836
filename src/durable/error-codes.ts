/** The codes the durable layer throws. */
declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** A durable actor's logic or state cannot be persisted (an inline child actor, a function or class instance in context). */
    NOT_PERSISTABLE: 'durable';
    /** The stored state was written by another machine id or version (see `durable.onIncompatible`). */
    INCOMPATIBLE_STATE: 'durable';
  }
}

export {};
