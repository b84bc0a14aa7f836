/**
 * What a journal holds, and its one text format: JSON lines, the same in a file and in the
 * messages of a RabbitMQ stream. A line is either an entry (one accepted user event, with a
 * sequence number) or a gap (entries the writer had to drop, see `WriteBuffer`).
 *
 * Events are stored as plain data: refs (`replyTo` and friends: objects with a string `path` and
 * a `send` function) become `{ "$ref": path }`, errors `{ name, message, code }`, bigints
 * strings; functions and symbols are left out and cycles cut. Encoding never throws, because it
 * runs on the runtime's hot path.
 */
import { ArborError } from '../runtime/errors.js';
import type { JournalEntry } from '../runtime/journal.js';

/** A ref inside a stored event. */
export interface StoredRef {
  $ref: string;
}

/** One journalled delivery as stored: the runtime's {@link JournalEntry} plus its sequence number. */
export interface StoredEntry {
  /** 1, 2, 3, ... per writer (per node); dropped entries use numbers too, so a gap shows as a jump. */
  seq: number;
  node: string;
  /** The recipient's full path, `arbor://<node>/<id>/...`. */
  to: string;
  /** When the mailbox accepted it (the writing system's clock, ms). */
  at: number;
  /** The event as plain data (refs as {@link StoredRef}). */
  event: { type: string; [key: string]: unknown };
  /** The actor that sent it, when an actor did; absent for events from outside the actors. */
  from?: string;
}

/** Entries a writer dropped because its buffer was full (or a write failed). */
export interface JournalGap {
  node: string;
  gap: {
    /** How many entries are missing: `lastSeq - firstSeq + 1`. */
    dropped: number;
    firstSeq: number;
    lastSeq: number;
    /** Acceptance times of the first and last missing entries. */
    firstAt: number;
    lastAt: number;
    /** Why: `'buffer_full'` or `'write_failed'`. */
    reason: GapReason;
  };
}

export type GapReason = 'buffer_full' | 'write_failed';

/** A line of a journal. */
export type JournalRecord = StoredEntry | JournalGap;

/** True for a gap record. */
export function isGap(record: JournalRecord): record is JournalGap {
  return 'gap' in record;
}

/** True for a stored ref (`{ "$ref": path }`). */
export function isStoredRef(value: unknown): value is StoredRef {
  return typeof value === 'object' && value !== null && typeof (value as { $ref?: unknown }).$ref === 'string' && Object.keys(value).length === 1;
}

const MAX_DEPTH = 64;

/** `value` as JSON-safe data, with refs as `{ $ref }`. Never throws. */
export function toStoredValue(value: unknown, depth = 0, ancestors: object[] = []): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as Record<string, unknown>;
  if (typeof obj['path'] === 'string' && typeof obj['send'] === 'function') return { $ref: obj['path'] };
  if (ancestors.includes(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  ancestors.push(obj);
  try {
    if (Array.isArray(value)) return value.map((item) => toStoredValue(item, depth + 1, ancestors) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      let item: unknown;
      try {
        item = toStoredValue(obj[key], depth + 1, ancestors);
      } catch {
        item = '[Unreadable]'; // a throwing getter
      }
      if (item !== undefined) out[key] = item;
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

/** The JSON line (without newline) of one entry. */
export function encodeEntry(seq: number, entry: JournalEntry): string {
  const event = toStoredValue(entry.event) as StoredEntry['event'];
  const stored: StoredEntry = { seq, node: entry.node, to: entry.to, at: entry.at, event };
  if (entry.from !== undefined) stored.from = entry.from;
  return JSON.stringify(stored);
}

/** The JSON line (without newline) of a gap. */
export function encodeGap(gap: JournalGap): string {
  return JSON.stringify(gap);
}

/**
 * Parses one line. Throws `DECODE_ERROR` naming `where` (file and line, or stream offset) when
 * the line is not a journal record.
 */
export function decodeRecord(line: string, where: string): JournalRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ArborError('DECODE_ERROR', `${where}: not a JSON line (${err instanceof Error ? err.message : String(err)})`, { where });
  }
  if (isRecord(value)) return value;
  throw new ArborError('DECODE_ERROR', `${where}: not a journal record: ${line.length > 120 ? line.slice(0, 117) + '...' : line}`, { where });
}

function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v['node'] !== 'string') return false;
  if ('gap' in v) {
    const g = v['gap'] as Record<string, unknown> | null;
    return typeof g === 'object' && g !== null && typeof g['dropped'] === 'number' && typeof g['firstSeq'] === 'number';
  }
  const event = v['event'] as { type?: unknown } | null;
  return typeof v['seq'] === 'number' && typeof v['to'] === 'string' && typeof v['at'] === 'number' && typeof event === 'object' && event !== null && typeof event.type === 'string';
}
