/**
 * Opening the node's AMQP connection, failing fast and saying why.
 *
 * rabbitmq-client retries a failed connection forever and `onConnect` only says "failed to connect
 * in time". Arbor watches the client's errors meanwhile: a refusal that no retry can cure (wrong
 * credentials `ACCESS_REFUSED`, a missing vhost `NOT_ALLOWED`, a peer that is not an AMQP broker
 * `NOT_AMQP`) fails `start()` at once; anything else (`ECONNREFUSED`, `ENOTFOUND`, a timeout) is
 * retried until `connectTimeout`, and the error then names the last cause. Either way the
 * error is `TRANSPORT_ERROR`, its message starts with the cause's code, and `cause` is a
 * {@link RedactedCause}: no password anywhere.
 */
import { Connection } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { guardFrameReads } from './frame-guard.js';
import type { NormalizedRabbitmqOptions } from './options.js';
import { errorCode, redactUrl, transportError } from './redact.js';

/** Client error codes after which retrying cannot help. */
export const FATAL_CONNECT_CODES: ReadonlySet<string> = new Set(['ACCESS_REFUSED', 'NOT_ALLOWED', 'NOT_AMQP', 'ERR_OUT_OF_RANGE']);

/** What {@link openConnection} needs to know and tell. */
export interface ConnectDeps {
  options: NormalizedRabbitmqOptions;
  node: string;
  logger: Logger;
  /** Called on every (re)connection after the first. */
  onReconnect: () => void;
}

/** Opens the connection (it reconnects by itself from then on). Rejects with `TRANSPORT_ERROR` (redacted). */
export async function openConnection({ options: o, node, logger, onReconnect }: ConnectDeps): Promise<Connection> {
  const connection = new Connection({
    url: o.url,
    // Every broker of the cluster: rabbitmq-client moves to the next one when a connection fails.
    ...(o.hosts.length > 1 ? { hosts: o.hosts } : {}),
    connectionName: `arbor/${o.cluster}/${node}`,
    connectionTimeout: o.connectTimeout,
    // A channel request waits for a reconnection at most as long as a send may take overall.
    acquireTimeout: o.sendTimeout,
    retryLow: o.reconnect.min,
    retryHigh: o.reconnect.max,
    // No Nagle: a small frame (a forward, a reply, an ack) must not wait for the broker's
    // delayed TCP ACK of the previous one; with it, each hop of a round trip cost ~40 ms.
    noDelay: true,
  });
  guardFrameReads(connection);
  let opened = false;
  let lastError: unknown;
  let fail: ((err: unknown) => void) | undefined;
  connection.on('error', (err: unknown) => {
    lastError = err;
    if (!opened && FATAL_CONNECT_CODES.has(errorCode(err) ?? '')) fail?.(err);
    logger.warn({ err: transportError(err, o.url, 'connection error').message, code: errorCode(err) }, 'amqp connection error');
  });
  connection.on('connection', () => {
    logger.info({ url: redactUrl(o.url) }, 'amqp connected');
    if (opened) onReconnect();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      fail = reject;
      // Real time: this bounds I/O and must fire under a simulated clock too.
      timer = setTimeout(() => reject(timeoutError(lastError, o.connectTimeout)), o.connectTimeout);
      connection.onConnect(0).then(resolve, reject);
    });
    opened = true;
    return connection;
  } catch (err) {
    // close() on a never-opened connection would not settle.
    connection.unsafeDestroy();
    throw transportError(err, o.url, 'cannot connect to broker', { node });
  } finally {
    clearTimeout(timer);
  }
}

/** The last client error, told that it ended the wait; or a bare timeout when there was none. */
function timeoutError(last: unknown, ms: number): unknown {
  if (!(last instanceof Error)) return new Error(`no connection within ${ms} ms`);
  const code = errorCode(last);
  return Object.assign(new Error(`${last.message} (still failing after ${ms} ms)`), code ? { code } : {});
}
