/**
 * The password of a broker URL appears nowhere: not in an error's message, stack, details, cause
 * or JSON, not in `util.inspect` of the error, the transport or the system, and not in any log
 * line, on every failure path we can drive: malformed URLs of several shapes, a wrong password,
 * a wrong port, an unknown host, a missing vhost, a peer that answers like HTTP.
 */
import { inspect } from 'node:util';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { brokerTransport } from '../../src/cli/broker-flags.js';
import { createSystem, rabbitmqTransport, type System } from '../../src/index.js';
import { isArborError } from '../../src/runtime/errors.js';
import { startHttpPeer, type HttpPeer } from '../chaos/http-peer.js';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster } from './broker.js';

const SECRET = 'Pa55w0rdXyZ';

/** A pino logger at trace level whose lines are kept. */
function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) }), lines };
}

/** Every text a user or a log could see of `err`. */
function surfaces(err: unknown): string[] {
  const e = err as Error & { details?: unknown; cause?: unknown };
  const cause = e.cause as (Error & { stack?: string }) | undefined;
  return [
    String(e.message),
    String(e.stack),
    JSON.stringify(e),
    JSON.stringify(e.details ?? null),
    inspect(e, { depth: 10, showHidden: true }),
    String(cause?.message),
    String(cause?.stack),
    inspect(cause, { depth: 10, showHidden: true }),
  ];
}

function expectNoSecret(texts: readonly string[], secret: string): void {
  for (const text of texts) expect(text).not.toContain(secret);
  const decoded = decodeURIComponent(secret);
  if (decoded !== secret) for (const text of texts) expect(text).not.toContain(decoded);
}

async function startFailure(url: string, connectTimeout = 1500): Promise<{ err: unknown; lines: string[] }> {
  const { logger, lines } = capture();
  const transport = rabbitmqTransport({ url, cluster: 'secrets', connectTimeout, reconnect: { min: 50, max: 200 } });
  const err = await createSystem({ node: 's1', logger, transport }).then(
    async (s) => {
      await s.shutdown();
      return undefined;
    },
    (e: unknown) => e,
  );
  return { err, lines: [...lines, inspect(transport, { depth: 10 }), JSON.stringify(transport)] };
}

describe('a malformed broker URL', () => {
  it.each([
    ['an unencoded "/" in the password', `amqp://guest:${SECRET}/x@host:5672`],
    ['an unencoded "#" in the password', `amqp://guest:${SECRET}#x@host:5672`],
    ['an unencoded "?" in the password', `amqp://guest:${SECRET}?x@host:5672`],
    ['a password cut at a "/" that still parses', `amqp://guest:1234/${SECRET}@host`],
    ['a missing "//"', `amqp//guest:${SECRET}@host`],
    ['a single "/"', `amqp:/guest:${SECRET}@host`],
    ['a wrong scheme', `http://guest:${SECRET}@host`],
    ['a broken host', `amqp://guest:${SECRET}@[bad host`],
    ['a password in the query', `amqp://host?password=${SECRET}`],
  ])('with %s fails with INVALID_SPEC and never shows the password, in the library or the CLI', (_shape, url) => {
    let libraryError: unknown;
    try {
      rabbitmqTransport({ url });
    } catch (err) {
      libraryError = err;
    }
    let cliError: unknown;
    try {
      brokerTransport({ url });
    } catch (err) {
      cliError = err;
    }
    // The query form is a valid URL; the others are rejected.
    if (!url.includes('?password=')) {
      expect(isArborError(libraryError, 'INVALID_SPEC')).toBe(true);
      expect((libraryError as Error).message).toMatch(/url/);
      expectNoSecret([...surfaces(libraryError), ...surfaces(cliError)], SECRET);
    } else {
      const t = rabbitmqTransport({ url });
      expectNoSecret([inspect(t, { depth: 10 }), JSON.stringify(t)], SECRET);
    }
  });

  it('names percent-encoding as the fix when the password breaks the URL', () => {
    expect(() => rabbitmqTransport({ url: `amqp://guest:${SECRET}/x@host` })).toThrow(/percent-encode .*%2F/);
  });
});

describe('a URL without user info', () => {
  it('logs in as the broker default guest:guest, as the default URL does', () => {
    const t = rabbitmqTransport({ url: 'amqp://localhost' });
    expect(t.options.url).toBe('amqp://guest:guest@localhost');
    expect(rabbitmqTransport({ url: 'amqps://rabbit.example:5671/prod' }).options.url).toBe('amqps://guest:guest@rabbit.example:5671/prod');
    expect(rabbitmqTransport({ url: 'amqp://app@host' }).options.url).toBe('amqp://app@host');
  });

  it('keeps the URL out of the options when printed or serialised', () => {
    const t = rabbitmqTransport({ url: `amqp://app:${SECRET}@host` });
    expect(t.options.url).toContain(SECRET);
    expectNoSecret([inspect(t.options), JSON.stringify(t.options), inspect(t), JSON.stringify(t), Object.keys(t.options).join()], SECRET);
  });
});

describe('an HTTP peer behind the broker URL', () => {
  let peer: HttpPeer | undefined;
  afterEach(async () => peer?.close());

  it('fails fast with NOT_AMQP and never shows the password', async () => {
    peer = await startHttpPeer();
    const { err, lines } = await startFailure(`amqp://guest:${SECRET}@127.0.0.1:${peer.port}`, 8000);
    expect(isArborError(err, 'TRANSPORT_ERROR')).toBe(true);
    expect((err as Error).message).toContain('NOT_AMQP');
    expectNoSecret([...surfaces(err), ...lines], SECRET);
  });
});

describe('a URL naming a port nothing listens on, or an unknown host', () => {
  it.each([
    ['ECONNREFUSED', `amqp://guest:${SECRET}@127.0.0.1:1`],
    ['ENOTFOUND', `amqp://guest:${SECRET}@no-such-host.invalid:5672`],
  ])('fails after connectTimeout with %s as the cause, and never shows the password', async (code, url) => {
    const { err, lines } = await startFailure(url);
    expect(isArborError(err, 'TRANSPORT_ERROR')).toBe(true);
    expect((err as Error).message).toContain(code);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe(code);
    expectNoSecret([...surfaces(err), ...lines], SECRET);
  });
});

describeBroker('credentials against the real broker', () => {
  const systems: System[] = [];
  afterEach(async () => Promise.all(systems.splice(0).map((s) => s.shutdown())));
  afterAll(cleanupClusters);
  const base = new URL(AMQP_URL);

  it('fails fast on a wrong password with ACCESS_REFUSED in the message and the cause, and never shows it', async () => {
    const url = `amqp://${base.username || 'guest'}:${SECRET}@${base.host}`;
    const { err, lines } = await startFailure(url, 8000);
    expect(isArborError(err, 'TRANSPORT_ERROR')).toBe(true);
    expect((err as Error).message).toContain('ACCESS_REFUSED');
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('ACCESS_REFUSED');
    // Failed on the refusal itself, not by waiting out connectTimeout (that error says "still failing after").
    expect((err as Error).message).not.toContain('still failing after');
    expectNoSecret([...surfaces(err), ...lines], SECRET);
  });

  it('fails fast on a missing vhost with NOT_ALLOWED in the message and the cause, and never shows the password', async () => {
    const url = `${AMQP_URL.replace(/\/[^/@]*$/, '').replace(/\/$/, '')}/no-such-vhost-${process.pid}`;
    const { err, lines } = await startFailure(url, 8000);
    expect(isArborError(err, 'TRANSPORT_ERROR')).toBe(true);
    expect((err as Error).message).toContain('NOT_ALLOWED');
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('NOT_ALLOWED');
    // Failed on the refusal itself, not by waiting out connectTimeout (that error says "still failing after").
    expect((err as Error).message).not.toContain('still failing after');
    const password = decodeURIComponent(base.password);
    expectNoSecret([...surfaces(err), ...lines].map((t) => t.replaceAll(`${base.username}:`, '')), `:${password}@`);
  });

  it('shows neither the password nor the client connection options in util.inspect of a running system', async () => {
    const { logger, lines } = capture();
    const url = `amqp://${base.host}`; // no user info: guest:guest is filled in
    const system = await createSystem({ node: 'n1', logger, transport: rabbitmqTransport({ url, cluster: uniqueCluster() }) });
    systems.push(system);
    const printed = inspect(system, { depth: 12 });
    expect(printed).toContain('guest:***@');
    expect(printed).not.toContain('guest:guest');
    for (const line of lines) expect(line).not.toContain('guest:guest');
  });
});
