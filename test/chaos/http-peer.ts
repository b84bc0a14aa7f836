/**
 * A TCP server that answers every connection like an HTTP server (a `400 Bad Request`), to stand
 * in for a wrong port (a management UI, a proxy) that a broker URL points at by mistake.
 */
import net from 'node:net';

export interface HttpPeer {
  port: number;
  /** Connections it answered. */
  connections: () => number;
  close: () => Promise<void>;
}

export async function startHttpPeer(): Promise<HttpPeer> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
