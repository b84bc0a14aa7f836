/** The errors of the store layer: `STORE_ERROR` (the store failed or refused) and `FENCED` (a stale owner wrote). */
import { ArborError } from '../runtime/errors.js';
import type { Fence } from './StateStore.js';

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** The store failed or refused (closed, unreachable, unreadable, bad input). */
    STORE_ERROR: 'store';
    /** A write or renewal carried a stale fencing token. */
    FENCED: 'store';
  }
}

/** The store could not do what was asked (closed, unreachable, unreadable, bad input). */
export function storeError(message: string, details: Record<string, unknown>, cause?: unknown): ArborError {
  return new ArborError('STORE_ERROR', message, details, cause === undefined ? undefined : { cause });
}

/** A write or renewal carried a fencing token that is no longer the lease's current one. */
export function fencedError(path: string, fence: Fence, current: number | undefined): ArborError {
  const now = current === undefined ? 'the lease was never acquired' : `the lease is at token ${current}`;
  return new ArborError('FENCED', `stale fencing token for ${path}: ${fence.key} token ${fence.token}, but ${now}`, {
    path,
    key: fence.key,
    token: fence.token,
    current,
  });
}

/** Rejects use after `close()`. */
export function closedError(location: string): ArborError {
  return storeError(`state store ${location} is closed`, { location });
}
