/**
 * The publishes of one coalescer flush leave in one socket write: `corkedWrites` holds what a
 * burst writes on the connection's socket until the burst returns. Checked on a real TCP socket,
 * counting the writes Node hands to the OS layer (`_write` / `_writev`).
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import type { Connection } from 'rabbitmq-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Coalescer, type OutFrame } from '../../src/transport/Coalescer.js';
import { encodeEnvelope } from '../../src/transport/codec.js';
import { corkedWrites } from '../../src/transport/socket-cork.js';

let server: Server | undefined;
let socket: Socket | undefined;

afterEach(() => {
  socket?.destroy();
  server?.close();
});

/** A connected client socket, and a count of the writes it hands down (one per `_write` or `_writev`). */
async function countedSocket(): Promise<{ socket: Socket; writes: () => number; received: Promise<number> }> {
  let bytes = 0;
  let resolveReceived: (n: number) => void = () => undefined;
  const received = new Promise<number>((resolve) => (resolveReceived = resolve));
  server = createServer((peer) => peer.on('data', (chunk: Buffer) => resolveReceived((bytes += chunk.length))));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const s = new Socket();
  await new Promise<void>((resolve) => s.connect((server?.address() as AddressInfo).port, '127.0.0.1', resolve));
  socket = s;
  let writes = 0;
  const internals = s as unknown as { _write: (...a: unknown[]) => unknown; _writev: (...a: unknown[]) => unknown };
  const write = internals._write.bind(s);
  const writev = internals._writev.bind(s);
  internals._write = (...a) => (writes++, write(...a));
  internals._writev = (...a) => (writes++, writev(...a));
  return { socket: s, writes: () => writes, received };
}

const asConnection = (s: Socket | null) => ({ _socket: s }) as unknown as Connection;

describe('corkedWrites', () => {
  it('sends what a burst writes (each write corked and uncorked on its own, as the client does) in one write', async () => {
    const { socket: s, writes, received } = await countedSocket();
    corkedWrites(asConnection(s), () => {
      for (let i = 0; i < 3; i++) {
        s.cork();
        s.write(Buffer.alloc(10, i));
        s.uncork();
      }
    });
    expect(writes()).toBe(1);
    expect(await received).toBeGreaterThan(0);
  });

  it('leaves writes alone outside a burst (the count above is the cork, not the socket)', async () => {
    const { socket: s, writes } = await countedSocket();
    for (let i = 0; i < 3; i++) {
      s.cork();
      s.write(Buffer.alloc(10, i));
      s.uncork();
    }
    expect(writes()).toBe(3);
  });

  it('uncorks when the burst throws, and runs the burst as it is without a socket that corks', async () => {
    const { socket: s, writes } = await countedSocket();
    expect(() => corkedWrites(asConnection(s), () => {
      s.write(Buffer.alloc(1));
      throw new Error('boom');
    })).toThrow('boom');
    expect(s.writableCorked).toBe(0);
    expect(writes()).toBe(1);
    let ran = false;
    corkedWrites(asConnection(null), () => (ran = true));
    expect(ran).toBe(true);
  });
});

describe('Coalescer bursts', () => {
  it('emits every frame of one flush inside one burst', async () => {
    const bursts: OutFrame[][] = [];
    let current: OutFrame[] | undefined;
    const c = new Coalescer({ enabled: true, maxBatchBytes: 65_536, maxBatchCount: 100 }, (f) => current?.push(f), (emits) => {
      current = [];
      emits();
      bursts.push(current);
      current = undefined;
    });
    for (const [group, id] of [['r', '1'], ['d', '2'], ['v', '3'], ['r', '4']] as const) {
      c.push({ group, routingKey: `node.${group}`, bytes: encodeEnvelope({ id, to: `arbor://${group}/x`, kind: 'user', body: { type: 'work' }, sentAt: 0 }), envelope: { id, to: `arbor://${group}/x`, kind: 'user', body: { type: 'work' }, sentAt: 0 } });
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(bursts.map((b) => b.map((f) => f.envelopes.map((e) => e.id)))).toEqual([[['1', '4'], ['2'], ['3']]]);
  });
});
