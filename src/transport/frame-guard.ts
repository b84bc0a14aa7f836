/**
 * Contains a crash inside rabbitmq-client 5.x: its frame reader calls `socket.read(size)` with the
 * size announced by the peer, before checking anything. A peer that answers like HTTP announces
 * `"P/1."` = 1,345,270,063 bytes, and Node's `Readable.read` throws `RangeError
 * [ERR_OUT_OF_RANGE]` for anything over 1 GiB — from a `'readable'` listener, so the whole
 * process dies with an uncaught exception instead of the connection failing.
 *
 * {@link guardFrameReads} wraps `read` on the connection's socket (and on every socket a
 * reconnection opens) so that an absurd size destroys that socket with a {@link NotAmqpError};
 * the client then treats it as any failed connection, and `start()` fails with `TRANSPORT_ERROR`.
 * It relies on the client's internal `_socket` field; with a client that has none it does nothing.
 * (Upstream: `createAsyncReader` in rabbitmq-client's `util.js` should bound `bytes`.)
 */
import type { Connection } from 'rabbitmq-client';

/**
 * Largest read accepted from the wire. AMQP frames are bounded by the negotiated `frame_max`
 * (the client asks for 8 KiB, brokers allow at most 128 KiB by default); 64 MiB is far above any
 * real frame and far below Node's 1 GiB limit.
 */
export const MAX_FRAME_READ = 64 * 1024 * 1024;

/** The peer announced a frame no AMQP broker sends: it speaks some other protocol. */
export class NotAmqpError extends Error {
  override name = 'NotAmqpError';
  readonly code = 'NOT_AMQP';
  constructor(readonly size: number) {
    super(`the peer does not speak AMQP 0-9-1 (it announced a frame of ${size} bytes; is this an HTTP or TLS port?)`);
  }
}

interface Readable {
  read(size?: number): unknown;
  destroy(error?: Error): unknown;
}

const guarded = new WeakSet<object>();

function guardSocket(socket: unknown): void {
  if (typeof socket !== 'object' || socket === null || guarded.has(socket)) return;
  const s = socket as Readable;
  if (typeof s.read !== 'function' || typeof s.destroy !== 'function') return;
  guarded.add(socket);
  const read = s.read.bind(s);
  s.read = (size?: number) => {
    if (typeof size === 'number' && size > MAX_FRAME_READ) {
      s.destroy(new NotAmqpError(size));
      return null;
    }
    return read(size);
  };
}

/** Guards the current socket of `connection` and every later one. Call right after `new Connection`. */
export function guardFrameReads(connection: Connection): void {
  const holder = connection as unknown as { _socket?: unknown };
  if (!('_socket' in holder)) return;
  let current = holder._socket;
  // The constructor opened the first socket; no data can have arrived yet (that needs a tick).
  guardSocket(current);
  Object.defineProperty(holder, '_socket', {
    configurable: true,
    enumerable: false,
    get: () => current,
    set: (socket: unknown) => {
      current = socket;
      guardSocket(socket);
    },
  });
}
