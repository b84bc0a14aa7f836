import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { SimulatedClock } from '../../src/runtime/clock.js';
import type { TransportHost } from '../../src/runtime/transport.js';
import { rabbitmqTransport } from '../../src/transport/index.js';

const host: TransportHost = {
  node: 'a',
  kinds: [],
  logger: pino({ level: 'silent' }),
  clock: new SimulatedClock(),
  deliver: () => ({ ok: true }),
  undeliverable: () => undefined,
  nodeUp: () => undefined,
  nodeDown: () => undefined,
};

describe('rabbitmq transport without a broker', () => {
  it('fails to start with TRANSPORT_ERROR, within connectTimeout, without showing the password', async () => {
    const transport = rabbitmqTransport({ url: 'amqp://app:hunter2@127.0.0.1:1', connectTimeout: 500, reconnect: { min: 50, max: 100 } });
    const err = await transport.start(host).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'TRANSPORT_ERROR' });
    const text = `${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details)}`;
    expect(text).toContain('app:***@127.0.0.1:1');
    expect(text).not.toContain('hunter2');
    await expect(transport.stop()).resolves.toBeUndefined();
  });

  it('throws INVALID_SPEC at creation for bad options', () => {
    expect(() => rabbitmqTransport({ heartbeat: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }));
  });

  it('treats a send before start as a programming error', () => {
    const transport = rabbitmqTransport();
    expect(() => transport.send('b', { id: '1', to: 'arbor://b/x', kind: 'user', body: { type: 't' }, sentAt: 0 })).toThrow(/before start/);
    expect(transport.nodes()).toEqual([]);
  });
});
