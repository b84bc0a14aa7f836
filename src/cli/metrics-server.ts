/** `arbor run --metrics-port N`: serves the node's Prometheus metrics at `GET /metrics`. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { CliError } from './errors.js';

/** Starts serving `metrics()` on `port` (0: any free port); resolves once listening, with the port. */
export function serveMetrics(metrics: () => Promise<string>, port: number, logger: Logger): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    metrics().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      (err: unknown) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new CliError('USAGE', `--metrics-port ${port}: ${err.message}`, { port })));
    server.listen(port, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
