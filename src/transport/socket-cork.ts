/**
 * One socket write for the publishes of one coalescer flush. rabbitmq-client writes each publish
 * (its method, header and body frames) in a write of its own, corking the socket around that one
 * publish only, so a flush that publishes to three nodes cost three `writev` system calls, each
 * waking the broker; on a small VM each costs tens to hundreds of µs, on the sender's critical
 * path (issue 20: the fanout row's four requests left in three writes ~130 µs apart).
 * {@link corkedWrites} corks the connection's socket around a synchronous burst of writes, so
 * they leave in one write when it returns (Node counts corks: the client's own cork and uncork
 * inside the burst no longer flush).
 *
 * It relies on the client's internal `_socket` field (see `./frame-guard.ts`); with a client that
 * has none, or a socket that cannot cork, the burst runs as it is.
 */
import type { Connection } from 'rabbitmq-client';

interface Corkable {
  cork(): void;
  uncork(): void;
}

function socketOf(connection: Connection): Corkable | undefined {
  const socket = (connection as unknown as { _socket?: unknown })._socket as Partial<Corkable> | null | undefined;
  return typeof socket?.cork === 'function' && typeof socket.uncork === 'function' ? (socket as Corkable) : undefined;
}

/** Runs `burst` with the socket of `connection` corked: what it writes leaves in one write once it returns (or throws). */
export function corkedWrites(connection: Connection, burst: () => void): void {
  const socket = socketOf(connection);
  socket?.cork();
  try {
    burst();
  } finally {
    socket?.uncork();
  }
}
