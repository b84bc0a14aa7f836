/**
 * The inbound path without a broker: a fake publisher whose confirms the test releases, and a
 * fake host. What is checked: wire input is validated before the host sees it, frames are bounded
 * before decoding, junk never holds up good traffic behind it, and retries and dead letters carry
 * the original bytes whatever the host did to the decoded body.
 */
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { realClock } from '../../src/runtime/clock.js';
import { ArborError } from '../../src/runtime/errors.js';
import type { DeliveryResult, Envelope, TransportHost } from '../../src/runtime/transport.js';
import { encodeBatch, encodeEnvelope } from '../../src/transport/codec.js';
import { nodeConsumerProps } from '../../src/transport/consumers.js';
import type { ConfirmedPublisher, PublishOutcome, PublishRequest } from '../../src/transport/ConfirmedPublisher.js';
import { Dedup } from '../../src/transport/Dedup.js';
import { Inbound, type InboundMessage } from '../../src/transport/Inbound.js';
import { normalizeRabbitmqOptions } from '../../src/transport/options.js';
import { Topology } from '../../src/transport/topology.js';

interface Published {
  req: PublishRequest;
  confirm: (outcome?: PublishOutcome) => void;
}

function harness(options: { maxMessageBytes?: number; maxAttempts?: number } = {}) {
  const published: Published[] = [];
  const delivered: Envelope[] = [];
  const deadLettered: { envelope: Envelope; error: ArborError }[] = [];
  let respond: (e: Envelope) => DeliveryResult | Promise<DeliveryResult> = () => ({ ok: true });
  const publisher = {
    publish(req: PublishRequest): Promise<PublishOutcome> {
      return new Promise((resolve) => published.push({ req, confirm: (outcome = { ok: true }) => resolve(outcome) }));
    },
  } as unknown as ConfirmedPublisher;
  const host: TransportHost = {
    node: 'b',
    kinds: [],
    logger: pino({ level: 'silent' }),
    clock: realClock,
    deliver: (e) => {
      delivered.push(e);
      return respond(e);
    },
    undeliverable: () => undefined,
    inboundDeadLettered: (envelope, error) => void deadLettered.push({ envelope, error }),
    nodeUp: () => undefined,
    nodeDown: () => undefined,
  };
  const inbound = new Inbound({
    host,
    logger: host.logger,
    dedup: new Dedup(1000),
    options: normalizeRabbitmqOptions({ maxMessageBytes: options.maxMessageBytes ?? 1_048_576, maxAttempts: options.maxAttempts ?? 5 }, {}),
    topology: new Topology('unit'),
    publisher,
  });
  return {
    inbound,
    published,
    delivered,
    deadLettered,
    setRespond: (fn: typeof respond) => void (respond = fn),
    message: (body: Uint8Array, headers?: Record<string, unknown>): InboundMessage => ({ body: Buffer.from(body), routingKey: 'node.b.msg.x', redelivered: false, ...(headers ? { headers } : {}) }),
  };
}

let seq = 0;
function envelope(body: unknown, extra: Partial<Envelope> = {}): Envelope {
  return { id: `u-${++seq}`, to: 'arbor://b/root', kind: 'user', body, sentAt: 1, ...extra };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the inbound path', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'str'],
    ['an array', [{ type: 'x' }]],
    ['a non-string type', { type: 5 }],
    ['no type', { id: 1 }],
    ['xstate.stop', { type: 'xstate.stop' }],
    ['xstate.init', { type: 'xstate.init' }],
  ])('dead-letters a user envelope whose body is %s with INVALID_EVENT, its original bytes, and never hands it to the host', async (_what, body) => {
    const h = harness();
    const bytes = encodeEnvelope(envelope(body));
    const verdict = h.inbound.handle(h.message(bytes), 'node');
    await tick();
    expect(h.delivered).toHaveLength(0);
    expect(h.published).toHaveLength(1);
    const letter = h.published[0]!;
    expect(letter.req.routingKey).toBe('dead.b');
    expect(letter.req.headers).toMatchObject({ 'x-arbor-code': 'INVALID_EVENT' });
    expect(letter.req.body.equals(bytes)).toBe(true);
    expect(h.deadLettered.map((d) => d.error.code)).toEqual(['INVALID_EVENT']);
    letter.confirm();
    expect(await verdict).toEqual({ verdict: 'ack', envelopes: 1 });
  });

  it('hands a system envelope over whatever its body (the runtime owns that format)', async () => {
    const h = harness();
    await h.inbound.handle(h.message(encodeEnvelope(envelope(null, { kind: 'system' }))), 'node');
    expect(h.delivered).toHaveLength(1);
  });

  it('dead-letters a frame over maxMessageBytes as MESSAGE_TOO_LARGE without decoding it (even bytes that are not msgpack)', async () => {
    const h = harness({ maxMessageBytes: 1024 });
    const big = Buffer.alloc(5000, 0xc1); // 0xc1 is never valid msgpack: a decode would say DECODE_ERROR
    const verdict = h.inbound.handle(h.message(big), 'node');
    await tick();
    expect(h.published[0]!.req.headers).toMatchObject({ 'x-arbor-code': 'MESSAGE_TOO_LARGE' });
    expect(h.published[0]!.req.body.equals(big)).toBe(true);
    h.published[0]!.confirm();
    expect((await verdict).verdict).toBe('ack');
    expect(h.delivered).toHaveLength(0);
  });

  it('hands good traffic to the host while the dead letters of junk before it are still unconfirmed', async () => {
    const h = harness();
    const verdicts = [];
    for (let i = 0; i < 50; i++) verdicts.push(h.inbound.handle(h.message(Buffer.from(`junk ${i}`)), 'node'));
    const good = encodeEnvelope(envelope({ type: 'work' }));
    const goodVerdict = h.inbound.handle(h.message(good), 'node');
    await tick();
    expect(h.published).toHaveLength(50);
    expect(h.delivered.map((e) => e.body)).toEqual([{ type: 'work' }]);
    expect(await goodVerdict).toEqual({ verdict: 'ack', envelopes: 1 });
    for (const p of h.published) p.confirm();
    expect((await Promise.all(verdicts)).every((v) => v.verdict === 'ack')).toBe(true);
  });

  it('keeps arrival order for the host when handler calls overlap and the host answers later (a property over batches and junk)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }), async (sizes) => {
        const h = harness();
        // The host answers asynchronously, as a runtime that waits for its mailbox would.
        h.setRespond(async () => {
          await tick();
          return { ok: true };
        });
        const sent: string[] = [];
        const all = sizes.map((size, i) => {
          if (size === 0) return h.inbound.handle(h.message(Buffer.from([0xc1, i])), 'node');
          const envelopes = Array.from({ length: size }, (_, k) => envelope({ type: 'n', i, k }));
          sent.push(...envelopes.map((e) => e.id));
          const bytes = size === 1 ? encodeEnvelope(envelopes[0]!) : encodeBatch(envelopes.map((e) => encodeEnvelope(e)));
          return h.inbound.handle(h.message(bytes), 'node');
        });
        for (let i = 0; i < 200 && h.delivered.length < sent.length; i++) await tick();
        for (const p of h.published) p.confirm();
        await Promise.all(all);
        expect(h.delivered.map((e) => e.id)).toEqual(sent);
      }),
      { numRuns: 50 },
    );
  });

  it('hands every envelope of a message to a host that answers at once on the consumer\'s stack, in order', () => {
    const h = harness();
    const envelopes = [1, 2, 3].map((k) => envelope({ type: 'n', k }));
    void h.inbound.handle(h.message(encodeBatch(envelopes.map((e) => encodeEnvelope(e)))), 'node');
    // No promise step before the host: their processing runs in one turn, and its sends leave together.
    expect(h.delivered.map((e) => e.id)).toEqual(envelopes.map((e) => e.id));
  });

  it('holds a message back while the host has not answered for the one before it, then hands it over in order', async () => {
    const h = harness();
    let answer: (r: DeliveryResult) => void = () => undefined;
    h.setRespond((e) => ((e.body as { k: number }).k === 1 ? new Promise<DeliveryResult>((resolve) => (answer = resolve)) : { ok: true }));
    const [first, second, third] = [1, 2, 3].map((k) => envelope({ type: 'n', k })) as [Envelope, Envelope, Envelope];
    const verdicts = [h.inbound.handle(h.message(encodeBatch([encodeEnvelope(first), encodeEnvelope(second)])), 'node'), h.inbound.handle(h.message(encodeEnvelope(third)), 'node')];
    await tick();
    expect(h.delivered.map((e) => e.id)).toEqual([first.id]);
    answer({ ok: true });
    await tick();
    expect(h.delivered.map((e) => e.id)).toEqual([first.id, second.id, third.id]);
    expect(await Promise.all(verdicts)).toEqual([
      { verdict: 'ack', envelopes: 2 },
      { verdict: 'ack', envelopes: 1 },
    ]);
  });

  it('keeps arrival order when the host answers some envelopes at once and others later (a property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 20 }), async (messages) => {
        const h = harness();
        const later = new Set<string>();
        h.setRespond((e) => (later.has(e.id) ? tick().then(() => ({ ok: true })) : { ok: true }));
        const sent: string[] = [];
        const all = messages.map((answers) => {
          const envelopes = answers.map((async) => {
            const e = envelope({ type: 'n' });
            if (async) later.add(e.id);
            return e;
          });
          sent.push(...envelopes.map((e) => e.id));
          const bytes = envelopes.length === 1 ? encodeEnvelope(envelopes[0]!) : encodeBatch(envelopes.map((e) => encodeEnvelope(e)));
          return h.inbound.handle(h.message(bytes), 'node');
        });
        const verdicts = await Promise.all(all);
        expect(h.delivered.map((e) => e.id)).toEqual(sent);
        expect(verdicts.every((v) => v.verdict === 'ack')).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('lets the node consumer take prefetch messages at once (the inbound path keeps their order)', () => {
    const props = nodeConsumerProps(new Topology('unit'), 'b', 64, { queueType: 'classic', ephemeral: false });
    expect(props.concurrency).toBe(64);
    expect(props.qos).toEqual({ prefetchCount: 64 });
  });

  it('retries with the original bytes and the attempt in a header, even when the host mutated the decoded body', async () => {
    const h = harness();
    const e = envelope({ type: 'ask', replyTo: { $ref: 'arbor://a/$ask/1' } });
    const bytes = encodeEnvelope(e);
    h.setRespond((got) => {
      // What the old receiver did: revive refs in place, then ask for a retry.
      (got.body as { replyTo: unknown }).replyTo = { path: 'arbor://a/$ask/1', send: 'not serialisable' };
      return { ok: false, retry: true, error: new ArborError('NOT_FOUND', 'restarting') };
    });
    const verdict = h.inbound.handle(h.message(bytes), 'node');
    await tick();
    const retry = h.published[0]!;
    expect(retry.req.exchange).toBe('arbor.unit.retry');
    expect(retry.req.body.equals(bytes)).toBe(true);
    expect(retry.req.headers).toMatchObject({ 'x-arbor-attempt': 1 });
    retry.confirm();
    expect((await verdict).verdict).toBe('ack');

    // The retried message comes back with its header: the attempt is counted from it.
    h.setRespond(() => ({ ok: true }));
    await h.inbound.handle(h.message(retry.req.body, retry.req.headers), 'node');
    expect(h.delivered[1]).toMatchObject({ attempt: 1, body: { type: 'ask', replyTo: { $ref: 'arbor://a/$ask/1' } } });
  });

  it('dead-letters the original bytes of one envelope of a batch once out of attempts, and tells the host', async () => {
    const h = harness({ maxAttempts: 2 });
    const first = envelope({ type: 'ok' });
    const second = envelope({ type: 'refused', replyTo: { $ref: 'arbor://a/$ask/9' } });
    const secondBytes = encodeEnvelope(second);
    h.setRespond((got) => (got.id === second.id ? { ok: false, retry: true, error: new ArborError('NOT_FOUND', 'gone') } : { ok: true }));
    const verdict = h.inbound.handle(h.message(encodeBatch([encodeEnvelope(first), secondBytes]), { 'x-arbor-attempt': 1 }), 'node');
    await tick();
    const letter = h.published[0]!;
    expect(letter.req.routingKey).toBe('dead.b');
    expect(letter.req.body.equals(secondBytes)).toBe(true);
    expect(letter.req.headers).toMatchObject({ 'x-arbor-code': 'NOT_FOUND', 'x-arbor-attempts': 2 });
    expect(h.deadLettered.map((d) => d.envelope.id)).toEqual([second.id]);
    letter.confirm();
    expect(await verdict).toEqual({ verdict: 'ack', envelopes: 2 });
  });

  it('does not tell the host of a dead letter it asked for itself (retry: false)', async () => {
    const h = harness();
    h.setRespond(() => ({ ok: false, retry: false, error: new ArborError('NOT_FOUND', 'no actor') }));
    const verdict = h.inbound.handle(h.message(encodeEnvelope(envelope({ type: 'x' }))), 'node');
    await tick();
    h.published[0]!.confirm();
    await verdict;
    expect(h.deadLettered).toHaveLength(0);
  });
});
