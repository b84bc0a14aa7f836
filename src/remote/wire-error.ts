/** Errors as they cross the wire: plain data out, an `ArborError` (or `Error`) back in. */
import { ArborError, toError, type ErrorCode } from '../runtime/errors.js';

/** An error as it crosses the wire. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

/** Serialises an error for the wire (details are kept when they are plain data). */
export function toWireError(err: unknown): WireError {
  const e = toError(err);
  const w: WireError = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') w.code = code;
  const details = (e as { details?: unknown }).details;
  if (details && typeof details === 'object') {
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(details)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) plain[k] = v;
    w.details = plain;
  }
  return w;
}

/** Rebuilds an error from the wire; `node` is where it happened. */
export function fromWireError(w: WireError | undefined, node: string): Error {
  if (!w || typeof w !== 'object') return new ArborError('TRANSPORT_ERROR', `malformed error from node "${node}"`, { node });
  if (typeof w.code === 'string') {
    const err = new ArborError(w.code as ErrorCode, w.message, { ...w.details, node });
    if (w.name && w.name !== 'ArborError') err.name = w.name;
    return err;
  }
  const err = new Error(w.message);
  err.name = w.name || 'Error';
  (err as Error & { node?: string }).node = node;
  return err;
}
