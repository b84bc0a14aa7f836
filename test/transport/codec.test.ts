import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import type { Envelope } from '../../src/runtime/transport.js';
import { WIRE_VERSION, decodeFrame, encodeBatch, encodeBye, encodeEnvelope, encodeHeartbeat } from '../../src/transport/codec.js';

const envelope: Envelope = { id: 'm1', to: 'arbor://b/root/w1', from: 'arbor://a/root', kind: 'user', body: { type: 'work', n: 1 }, correlationId: 'c1', sentAt: 1234, attempt: 2 };
const plain = new Packr({ useRecords: false });

describe('codec', () => {
  it('round-trips an envelope with every field', () => {
    expect(decodeFrame(encodeEnvelope(envelope))).toEqual({ ok: true, frame: { t: 'env', envelope } });
  });

  it('leaves optional fields out rather than writing undefined', () => {
    const minimal: Envelope = { id: 'm2', to: 'x', kind: 'system', body: null, sentAt: 0 };
    const decoded = decodeFrame(encodeEnvelope(minimal));
    expect(decoded).toEqual({ ok: true, frame: { t: 'env', envelope: minimal } });
    expect(decoded.ok && Object.keys(decoded.frame.t === 'env' ? decoded.frame.envelope : {})).toEqual(['id', 'to', 'kind', 'body', 'sentAt']);
  });

  it('round-trips a batch of envelopes in order', () => {
    const second = { ...envelope, id: 'm2' };
    expect(decodeFrame(encodeBatch([encodeEnvelope(envelope), encodeEnvelope(second)]))).toMatchObject({ ok: true, frame: { t: 'batch', envelopes: [envelope, second] } });
  });

  it('round-trips heartbeats and goodbyes', () => {
    const hb = { node: 'a', kinds: ['acc'], startedAt: 5, incarnation: 'abc' };
    expect(decodeFrame(encodeHeartbeat(hb))).toEqual({ ok: true, frame: { t: 'hb', ...hb } });
    expect(decodeFrame(encodeBye('a', 'abc'))).toEqual({ ok: true, frame: { t: 'bye', node: 'a', incarnation: 'abc' } });
  });

  it('round-trips the singleton ids of a heartbeat, and writes none when the node joined none', () => {
    const hb = { node: 'a', kinds: [], startedAt: 5, incarnation: 'abc', singletons: ['tally', 'books'] };
    expect(decodeFrame(encodeHeartbeat(hb))).toEqual({ ok: true, frame: { t: 'hb', ...hb } });
    expect(plain.unpack(encodeHeartbeat({ ...hb, singletons: [] }))).not.toHaveProperty('singletons');
    expect(decodeFrame(plain.pack({ v: 1, t: 'hb', node: 'a', kinds: [], startedAt: 5, incarnation: 'abc', singletons: [1] }))).toEqual({ ok: false, reason: 'malformed heartbeat' });
  });

  it('round-trips the pools a heartbeat says its node serves, with their prefetch; refuses a prefetch that is not a positive integer', () => {
    const hb = { node: 'a', kinds: [], startedAt: 5, incarnation: 'abc', pools: { jobs: 8, mail: 1 } };
    expect(decodeFrame(encodeHeartbeat(hb))).toEqual({ ok: true, frame: { t: 'hb', ...hb } });
    expect(plain.unpack(encodeHeartbeat({ ...hb, pools: {} }))).not.toHaveProperty('pools');
    for (const pools of [{ jobs: 0 }, { jobs: 1.5 }, { jobs: '8' }, [8]]) {
      expect(decodeFrame(plain.pack({ v: 1, t: 'hb', node: 'a', kinds: [], startedAt: 5, incarnation: 'abc', pools }))).toEqual({ ok: false, reason: 'malformed heartbeat' });
    }
  });

  it('writes the schema version into every frame', () => {
    expect(plain.unpack(encodeEnvelope(envelope))).toMatchObject({ v: WIRE_VERSION, t: 'env' });
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['JSON text', Buffer.from('{"id":"x"}')],
    ['an unknown version', plain.pack({ v: 99, t: 'env', e: {} })],
    ['an unknown frame type', plain.pack({ v: 1, t: 'nope' })],
    ['an envelope without id', plain.pack({ v: 1, t: 'env', e: { to: 'x', kind: 'user', sentAt: 1 } })],
    ['an envelope of an unknown kind', plain.pack({ v: 1, t: 'env', e: { id: 'x', to: 'x', kind: 'other', sentAt: 1 } })],
    ['a negative attempt', plain.pack({ v: 1, t: 'env', e: { id: 'x', to: 'x', kind: 'user', sentAt: 1, attempt: -1 } })],
    ['a nested batch', plain.pack({ v: 1, t: 'batch', f: [plain.pack({ v: 1, t: 'batch', f: [] })] })],
    ['a batch of non-binary items', plain.pack({ v: 1, t: 'batch', f: [1, 2] })],
    ['a top-level array', plain.pack([1, 2, 3])],
  ])('returns a typed failure, not an exception, for %s', (_name, bytes) => {
    const result = decodeFrame(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason.length).toBeGreaterThan(0);
  });

  it('throws on encode only for values msgpack cannot hold', () => {
    expect(() => encodeEnvelope({ ...envelope, body: { big: 2n ** 80n } })).toThrow();
  });
});
