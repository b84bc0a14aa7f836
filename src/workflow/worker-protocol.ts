/**
 * What the calling thread of a parallel check and its worker threads say to each other. A worker
 * gets its {@link WorkerInit} as `workerData`, answers `ready` (or `error`) once it has built the
 * spec, then answers each {@link RunsRequest} with the figures of those runs (or `error`).
 */
import { ArborError, type ErrorCode } from '../runtime/errors.js';
import type { RunFigures } from './search.js';
import type { SourceData, SpecData, SpecShape } from './source.js';

/** Marks `workerData` as a check worker's, so the entry does nothing when imported elsewhere. */
export const CHECK_WORKER = 'arborCheckWorker';

export interface WorkerInit {
  [CHECK_WORKER]: true;
  /** The worker's entry module (`check-worker.ts` or `.js`), a file URL. */
  entry: string;
  /** tsx's ESM and CommonJS API modules to register before importing TypeScript; none for JavaScript. */
  tsx: string[];
  source: SourceData;
  data: SpecData;
  shape: SpecShape;
}

/** Make runs `start .. start + count - 1` of the check with `seed`. */
export interface RunsRequest {
  type: 'runs';
  seed: number;
  start: number;
  count: number;
}

export type WorkerReply =
  | { type: 'ready' }
  /** The runs' figures in run order, up to the first that failed. */
  | { type: 'runs'; figures: RunFigures[] }
  | { type: 'error'; code: ErrorCode; message: string; details: Record<string, string | number> };

/** An error as it crosses threads: its code, message and details (as strings or numbers). */
export function errorReply(err: unknown): WorkerReply {
  const code: ErrorCode = err instanceof ArborError ? err.code : 'WORKER_FAILED';
  const details: Record<string, string | number> = {};
  if (err instanceof ArborError) for (const [k, v] of Object.entries(err.details)) details[k] = typeof v === 'number' ? v : String(v);
  const message = err instanceof Error ? err.message : String(err);
  return { type: 'error', code, message: err instanceof ArborError ? message : `a check worker thread failed: ${message}`, details };
}

/** The error of an `error` reply, in the calling thread. */
export function replyError(reply: Extract<WorkerReply, { type: 'error' }>): ArborError {
  return new ArborError(reply.code, reply.message, reply.details);
}
