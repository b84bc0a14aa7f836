import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Envelope } from '../../src/runtime/transport.js';
import { decodeFrame, encodeBatch, encodeEnvelope, envelopesOf } from '../../src/transport/codec.js';

// msgpackr renames `__proto__` keys (a pollution guard) and writes -0 as 0; both are documented in
// the codec, so the bodies here are JSON values without them (JSON has no -0 either).
const jsonBody = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown).filter((v) => !JSON.stringify(v).includes('"__proto__"'));

const envelopeArb: fc.Arbitrary<Envelope> = fc.record(
  {
    id: fc.string({ minLength: 1 }),
    to: fc.string(),
    from: fc.string(),
    kind: fc.constantFrom('user' as const, 'system' as const),
    body: jsonBody,
    correlationId: fc.string(),
    // -0 + 0 is +0: a clock never says -0, and msgpack would not keep it.
    sentAt: fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x + 0)),
    attempt: fc.nat({ max: 1000 }),
  },
  { requiredKeys: ['id', 'to', 'kind', 'body', 'sentAt'] },
);

describe('codec properties', () => {
  it('decodes every encoded envelope to an equal envelope', () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        const decoded = decodeFrame(encodeEnvelope(envelope));
        expect(decoded.ok).toBe(true);
        expect(decoded.ok && envelopesOf(decoded.frame)).toEqual([envelope]);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes every batch to the same envelopes in the same order', () => {
    fc.assert(
      fc.property(fc.array(envelopeArb, { maxLength: 20 }), (envelopes) => {
        const decoded = decodeFrame(encodeBatch(envelopes.map(encodeEnvelope)));
        expect(decoded.ok && decoded.frame.t).toBe('batch');
        expect(decoded.ok && envelopesOf(decoded.frame)).toEqual(envelopes);
      }),
      { numRuns: 100 },
    );
  });

  it('never throws when decoding arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = decodeFrame(bytes);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws when decoding corrupted valid frames', () => {
    fc.assert(
      fc.property(envelopeArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (envelope, at, byte) => {
        const bytes = Buffer.from(encodeEnvelope(envelope));
        bytes[at % bytes.length] = byte;
        const result = decodeFrame(bytes.subarray(0, bytes.length - (at % 3)));
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
