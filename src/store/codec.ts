/**
 * What both stores share about rows: checking a batch before it touches the database, encoding a
 * record's JSON columns, and decoding them back. A bad change is refused on its own (`STORE_ERROR`
 * naming the path and field, in its result) without failing the rest of its batch: group commit
 * puts unrelated actors' changes in one batch, and one bad snapshot must not fail them all.
 */
import { ArborError } from '../runtime/errors.js';
import { storeError } from './errors.js';
import type { Fence, JsonValue, PendingTimer, StateChange, StateRecord, StoredState } from './StateStore.js';

/** A record's JSON columns, as text. */
export interface EncodedRecord {
  snapshot: string;
  timers: string;
}

/** Per change of a batch: its encoded record (a put), `null` (a valid delete), or why it is refused. */
export type Encoded = EncodedRecord | null | ArborError;

/** Validates every change of a batch and encodes the records of its puts. Throws only when `changes` is not an array. */
export function encodeBatch(changes: readonly StateChange[]): Encoded[] {
  if (!Array.isArray(changes)) throw storeError('commit expects an array of changes', { value: typeof changes });
  return changes.map((change, i) => {
    try {
      return encodeChange(change, i);
    } catch (err) {
      if (err instanceof ArborError) return err;
      throw err;
    }
  });
}

/** Validates one change; throws its `STORE_ERROR`. */
export function checkChange(change: StateChange): void {
  const [encoded] = encodeBatch([change]);
  if (encoded instanceof ArborError) throw encoded;
}

function encodeChange(change: StateChange, i: number): EncodedRecord | null {
  if (change?.op === 'delete') {
    checkPath(change.path, i);
    checkFence(change.fence, change.path);
    return null;
  }
  if (change?.op !== 'put' || typeof change.record !== 'object' || change.record === null) {
    throw storeError(`change ${i} is not { op: 'put', record } or { op: 'delete', path }`, { index: i });
  }
  checkFence(change.fence, change.record.path);
  return encodeRecord(change.record, i);
}

/** The path a change is about (as a string even for a malformed change). */
export function changePath(change: StateChange): string {
  return String((change?.op === 'put' ? change.record?.path : (change as { path?: unknown })?.path) ?? '');
}

function encodeRecord(record: StateRecord, index: number): EncodedRecord {
  const { path, machine, messageId, timers } = record;
  checkPath(path, index);
  if (typeof machine?.id !== 'string' || typeof machine.version !== 'string') bad(path, 'machine', 'must be { id: string, version: string }');
  if (messageId !== undefined && (typeof messageId !== 'string' || messageId === '')) bad(path, 'messageId', 'must be a non-empty string when given');
  if (!Array.isArray(timers)) bad(path, 'timers', 'must be an array');
  for (const timer of timers as readonly PendingTimer[]) {
    if (typeof timer?.id !== 'string' || typeof timer.dueAt !== 'number' || !Number.isFinite(timer.dueAt)) bad(path, 'timers', 'must hold { id: string, dueAt: finite number, event }');
  }
  return { snapshot: json(record.snapshot, path, 'snapshot'), timers: json(timers, path, 'timers') };
}

function json(value: unknown, path: string, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw storeError(`cannot store ${field} of ${path}: ${(err as Error).message}`, { path, field }, err);
  }
  if (text === undefined) bad(path, field, 'is not JSON-able');
  return text;
}

function checkPath(path: unknown, index: number): void {
  if (typeof path !== 'string' || path === '') throw storeError(`change ${index}: path must be a non-empty string`, { index, path });
}

function checkFence(fence: Fence | undefined, path: string): void {
  if (fence === undefined) return;
  if (typeof fence.key !== 'string' || !Number.isSafeInteger(fence.token)) bad(path, 'fence', 'must be { key: string, token: integer }');
}

function bad(path: string, field: string, expected: string): never {
  throw storeError(`cannot store ${path}: ${field} ${expected}`, { path, field });
}

/** Parses a JSON column written by {@link encodeBatch}. */
export function parseJson<T = JsonValue>(text: string, path: string, field: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw storeError(`stored ${field} of ${path} is not JSON: ${(err as Error).message}`, { path, field }, err);
  }
}

/** A state row as both stores select it (PostgreSQL's bigints arrive as strings or numbers). */
export interface StateRow {
  path: string;
  machine_id: string;
  machine_version: string;
  snapshot: string;
  timers: string;
  message_id: string | null;
  fence_key: string | null;
  fence_token: number | string | null;
  revision: number | string;
  updated_at: number | string;
}

/** The columns of {@link StateRow}, for SELECTs. */
export const STATE_COLUMNS = 'path, machine_id, machine_version, snapshot, timers, message_id, fence_key, fence_token, revision, updated_at';

/** A row and its processed window back to a {@link StoredState}. */
export function decodeRow(row: StateRow, recentMessageIds: readonly string[]): StoredState {
  const { path } = row;
  return {
    path,
    machine: { id: row.machine_id, version: row.machine_version },
    snapshot: parseJson(row.snapshot, path, 'snapshot'),
    timers: parseJson<PendingTimer[]>(row.timers, path, 'timers'),
    ...(row.message_id !== null ? { messageId: row.message_id } : {}),
    ...(row.fence_key !== null && row.fence_token !== null ? { fence: { key: row.fence_key, token: Number(row.fence_token) } } : {}),
    revision: Number(row.revision),
    updatedAt: Number(row.updated_at),
    recentMessageIds,
  };
}
