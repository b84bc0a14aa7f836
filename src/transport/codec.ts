/**
 * The wire format: every AMQP message body is one msgpack map with a schema version `v` and a
 * frame tag `t`:
 *
 * - `{ v: 1, t: 'env', e: Envelope }` one envelope;
 * - `{ v: 1, t: 'batch', f: [bin, ...] }` several envelopes to one node, each element the bytes of
 *   an `'env'` frame (so each envelope is encoded exactly once, when it is sized);
 * - `{ v: 1, t: 'hb', node, kinds, startedAt, incarnation, presence?, singletons? }` a heartbeat
 *   (`presence`: the node's presence queue, see `Presence.ts`; `singletons`: the ids of the cluster
 *   singletons it joined, so every node's `lookup('<id>')` reaches them; `pools`: the work pools it
 *   serves, each with its prefetch, so that senders never batch more than a member can hold);
 * - `{ v: 1, t: 'bye', node, incarnation, closed? }` a node leaving on purpose, or (`closed: true`)
 *   a peer reporting on its behalf that the broker saw its connection close.
 *
 * {@link decodeFrame} never throws: garbage, an unknown version or a malformed envelope comes back
 * as `{ ok: false, reason }`, which the consumer dead-letters instead of crashing on it.
 *
 * msgpackr renames an object key `__proto__` to `__proto_` when decoding (prototype-pollution
 * guard), so a body with such a key does not round-trip exactly; nor does `-0` (it becomes `0`).
 */
import { Packr } from 'msgpackr';
import type { Envelope } from '../runtime/transport.js';

/** The schema version this build writes and reads. */
export const WIRE_VERSION = 1;

/** A decoded AMQP message body. */
export type Frame =
  | { t: 'env'; envelope: Envelope }
  /** `frames[i]` holds the bytes `envelopes[i]` was decoded from (an `'env'` frame). */
  | { t: 'batch'; envelopes: Envelope[]; frames: Uint8Array[] }
  | { t: 'hb'; node: string; kinds: string[]; startedAt: number; incarnation: string; presence?: string; singletons?: string[]; pools?: Record<string, number> }
  | { t: 'bye'; node: string; incarnation: string; closed?: true };

/** The outcome of {@link decodeFrame}. */
export type DecodeResult = { ok: true; frame: Frame } | { ok: false; reason: string };

// Plain msgpack (no record extension) so that other languages can read the traffic.
const packr = new Packr({ useRecords: false, moreTypes: false });

/** Bytes one batch frame adds around its elements, as an upper bound (map, keys, array header). */
export const BATCH_OVERHEAD = 32;
/** Bytes a batch adds per element, as an upper bound (a msgpack bin32 header). */
export const BATCH_ITEM_OVERHEAD = 5;

/** Encodes one envelope as an `'env'` frame. Throws if the body cannot be encoded (e.g. a huge bigint). */
export function encodeEnvelope(envelope: Envelope): Buffer {
  const e: Record<string, unknown> = { id: envelope.id, to: envelope.to, kind: envelope.kind, body: envelope.body, sentAt: envelope.sentAt };
  if (envelope.from !== undefined) e.from = envelope.from;
  if (envelope.correlationId !== undefined) e.correlationId = envelope.correlationId;
  if (envelope.attempt !== undefined) e.attempt = envelope.attempt;
  if (envelope.inc !== undefined) e.inc = envelope.inc;
  if (envelope.seq !== undefined) e.seq = envelope.seq;
  if (envelope.headers !== undefined) e.headers = envelope.headers;
  return copy(packr.pack({ v: WIRE_VERSION, t: 'env', e }));
}

/** Encodes already-encoded `'env'` frames as one `'batch'` frame. */
export function encodeBatch(frames: readonly Uint8Array[]): Buffer {
  return copy(packr.pack({ v: WIRE_VERSION, t: 'batch', f: frames }));
}

/** Encodes a heartbeat. */
export function encodeHeartbeat(hb: {
  node: string;
  kinds: readonly string[];
  startedAt: number;
  incarnation: string;
  presence?: string | undefined;
  singletons?: readonly string[] | undefined;
  pools?: Readonly<Record<string, number>> | undefined;
}): Buffer {
  const frame: Record<string, unknown> = { v: WIRE_VERSION, t: 'hb', node: hb.node, kinds: [...hb.kinds], startedAt: hb.startedAt, incarnation: hb.incarnation };
  if (hb.presence !== undefined) frame.presence = hb.presence;
  if (hb.singletons !== undefined && hb.singletons.length > 0) frame.singletons = [...hb.singletons];
  if (hb.pools !== undefined && Object.keys(hb.pools).length > 0) frame.pools = { ...hb.pools };
  return copy(packr.pack(frame));
}

/** Encodes a goodbye; `closed`: sent by a peer on behalf of a node whose connection closed. */
export function encodeBye(node: string, incarnation: string, closed = false): Buffer {
  return copy(packr.pack(closed ? { v: WIRE_VERSION, t: 'bye', node, incarnation, closed: true } : { v: WIRE_VERSION, t: 'bye', node, incarnation }));
}

/** The envelopes a frame carries (none for heartbeats). */
export function envelopesOf(frame: Frame): Envelope[] {
  if (frame.t === 'env') return [frame.envelope];
  if (frame.t === 'batch') return frame.envelopes;
  return [];
}

/** An envelope and the bytes (an `'env'` frame) it was decoded from, as it came off the wire. */
export interface FramedEnvelope {
  envelope: Envelope;
  bytes: Uint8Array;
}

/**
 * The envelopes of a frame decoded from `bytes`, each with its own original bytes: what a retry or
 * a dead letter republishes, so that nothing the receiver did to the decoded body travels on.
 */
export function framedEnvelopes(frame: Frame, bytes: Uint8Array): FramedEnvelope[] {
  if (frame.t === 'env') return [{ envelope: frame.envelope, bytes }];
  if (frame.t === 'batch') return frame.envelopes.map((envelope, i) => ({ envelope, bytes: frame.frames[i] ?? encodeEnvelope(envelope) }));
  return [];
}

/** Decodes any bytes. Never throws. */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    return { ok: false, reason: `not msgpack: ${err instanceof Error ? err.message.slice(0, 120) : 'unreadable'}` };
  }
  return decodeValue(raw, true);
}

function decodeValue(raw: unknown, allowBatch: boolean): DecodeResult {
  if (!isRecord(raw)) return { ok: false, reason: 'frame is not a map' };
  if (raw.v !== WIRE_VERSION) return { ok: false, reason: `unknown wire version ${String(raw.v).slice(0, 20)}` };
  switch (raw.t) {
    case 'env': {
      const envelope = toEnvelope(raw.e);
      return typeof envelope === 'string' ? { ok: false, reason: envelope } : { ok: true, frame: { t: 'env', envelope } };
    }
    case 'batch':
      return allowBatch ? decodeBatch(raw.f) : { ok: false, reason: 'nested batch' };
    case 'hb':
      if (typeof raw.node !== 'string' || !isStringArray(raw.kinds) || typeof raw.startedAt !== 'number' || typeof raw.incarnation !== 'string') {
        return { ok: false, reason: 'malformed heartbeat' };
      }
      if (raw.presence !== undefined && typeof raw.presence !== 'string') return { ok: false, reason: 'malformed heartbeat' };
      if (raw.singletons !== undefined && !isStringArray(raw.singletons)) return { ok: false, reason: 'malformed heartbeat' };
      if (raw.pools !== undefined && !isPrefetchMap(raw.pools)) return { ok: false, reason: 'malformed heartbeat' };
      return {
        ok: true,
        frame: {
          t: 'hb',
          node: raw.node,
          kinds: raw.kinds,
          startedAt: raw.startedAt,
          incarnation: raw.incarnation,
          ...(raw.presence !== undefined ? { presence: raw.presence } : {}),
          ...(raw.singletons !== undefined ? { singletons: raw.singletons } : {}),
          ...(raw.pools !== undefined ? { pools: raw.pools } : {}),
        },
      };
    case 'bye':
      if (typeof raw.node !== 'string' || typeof raw.incarnation !== 'string') return { ok: false, reason: 'malformed bye' };
      return { ok: true, frame: { t: 'bye', node: raw.node, incarnation: raw.incarnation, ...(raw.closed === true ? { closed: true as const } : {}) } };
    default:
      return { ok: false, reason: `unknown frame type ${String(raw.t).slice(0, 20)}` };
  }
}

function decodeBatch(items: unknown): DecodeResult {
  if (!Array.isArray(items)) return { ok: false, reason: 'batch without frames' };
  const envelopes: Envelope[] = [];
  const frames: Uint8Array[] = [];
  for (const item of items) {
    if (!(item instanceof Uint8Array)) return { ok: false, reason: 'batch element is not binary' };
    let raw: unknown;
    try {
      raw = packr.unpack(item);
    } catch {
      return { ok: false, reason: 'batch element is not msgpack' };
    }
    const inner = decodeValue(raw, false);
    if (!inner.ok) return { ok: false, reason: `batch element: ${inner.reason}` };
    if (inner.frame.t !== 'env') return { ok: false, reason: 'batch element is not an envelope' };
    envelopes.push(inner.frame.envelope);
    frames.push(item);
  }
  return { ok: true, frame: { t: 'batch', envelopes, frames } };
}

/** The envelope, or why it is not one. */
function toEnvelope(raw: unknown): Envelope | string {
  if (!isRecord(raw)) return 'envelope is not a map';
  const { id, to, from, kind, body, correlationId, sentAt, attempt, inc, seq, headers } = raw;
  if (typeof id !== 'string' || id.length === 0) return 'envelope without id';
  if (typeof to !== 'string') return 'envelope without "to"';
  if (kind !== 'user' && kind !== 'system') return 'envelope kind is neither "user" nor "system"';
  if (typeof sentAt !== 'number') return 'envelope without sentAt';
  if (from !== undefined && typeof from !== 'string') return 'envelope "from" is not a string';
  if (correlationId !== undefined && typeof correlationId !== 'string') return 'envelope correlationId is not a string';
  if (attempt !== undefined && !isCount(attempt)) return 'envelope attempt is not a count';
  if (inc !== undefined && !isCount(inc)) return 'envelope inc is not a count';
  if (seq !== undefined && !isCount(seq)) return 'envelope seq is not a count';
  if (headers !== undefined && !isStringRecord(headers)) return 'envelope headers are not a map of strings';
  const envelope: Envelope = { id, to, kind, body, sentAt };
  if (inc !== undefined) envelope.inc = inc;
  if (seq !== undefined) envelope.seq = seq;
  if (from !== undefined) envelope.from = from;
  if (correlationId !== undefined) envelope.correlationId = correlationId;
  if (attempt !== undefined) envelope.attempt = attempt;
  if (headers !== undefined) envelope.headers = headers;
  return envelope;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((k) => typeof k === 'string');
}

/**
 * msgpackr returns a view into its reusable write buffer; a frame that waits in a batch or an
 * in-flight publish must own its bytes, and must not pin the whole shared buffer either.
 */
function copy(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

/** A heartbeat's `pools`: pool kind → prefetch, a positive integer each. */
function isPrefetchMap(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 1);
}
