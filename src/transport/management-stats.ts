/**
 * Broker-side queue figures from the RabbitMQ management HTTP API (`GET /api/queues/<vhost>/<name>`):
 * ready, unacknowledged and consumers per queue. Passive declares cannot tell unacknowledged
 * messages (see `./queue-stats.ts`), so this is tried first when a management URL is known.
 *
 * The management plugin refreshes its statistics every few seconds (`collect_statistics_interval`,
 * 5 s by default): the figures lag the broker by that much. A queue the API does not know (404) is
 * left out; a queue whose statistics are not yet collected reports 0. Any other failure (plugin not
 * enabled, refused login, timeout) rejects with `TRANSPORT_ERROR`, the URL redacted.
 */
import { ArborError } from '../runtime/errors.js';
import type { QueueStats } from '../runtime/transport.js';
import { redactText, redactUrl } from './redact.js';

/** Time (ms) one request may take before the whole poll gives up. */
const REQUEST_TIMEOUT = 3000;

/**
 * The default management URL of an AMQP URL: same host and credentials, port 15672 (`http`), or
 * 15671 (`https`) for `amqps`; the vhost travels as the path.
 */
export function defaultManagementUrl(amqpUrl: string): string {
  const u = new URL(amqpUrl);
  const tls = u.protocol === 'amqps:';
  const vhost = u.pathname.length > 1 ? u.pathname : '/%2F';
  const auth = u.username || u.password ? `${u.username}:${u.password}@` : '';
  return `${tls ? 'https' : 'http'}://${auth}${u.hostname}:${tls ? 15671 : 15672}${vhost}`;
}

/** Splits a management URL into the API base (no credentials), the Basic auth header and the vhost. */
function endpoint(managementUrl: string): { base: string; authorization: string | undefined; vhost: string } {
  const u = new URL(managementUrl);
  const authorization = u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
  // The path holds the vhost, percent-encoded (`/%2F` is the default vhost `/`).
  const vhost = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : '/';
  return { base: `${u.protocol}//${u.host}`, authorization, vhost };
}

interface QueueJson {
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
}

export async function managementStats(managementUrl: string, queues: readonly { queue: string; role: QueueStats['role'] }[]): Promise<QueueStats[]> {
  const { base, authorization, vhost } = endpoint(managementUrl);
  const fail = (why: string, details: Record<string, unknown> = {}) =>
    new ArborError('TRANSPORT_ERROR', `management API (${redactUrl(managementUrl)}): ${redactText(why, managementUrl)}`, { managementUrl: redactUrl(managementUrl), ...details });
  const out: QueueStats[] = [];
  for (const { queue, role } of queues) {
    const url = `${base}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}?columns=messages_ready,messages_unacknowledged,consumers`;
    let response: Response;
    try {
      response = await fetch(url, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw fail(`${cause ?? (err instanceof Error ? err.name : 'error')}: ${err instanceof Error ? err.message : String(err)}`, cause ? { code: cause } : {});
    }
    if (response.status === 404) {
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw fail(`HTTP ${response.status} for queue ${queue}`, { status: response.status, queue });
    }
    const json = (await response.json()) as QueueJson;
    out.push({ queue, role, messages: json.messages_ready ?? 0, consumers: json.consumers ?? 0, unacked: json.messages_unacknowledged ?? 0 });
  }
  return out;
}
