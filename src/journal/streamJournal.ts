/**
 * The journal over RabbitMQ: a durable stream queue `arbor.<cluster>.journal` (RabbitMQ >= 3.9)
 * that every node of a cluster appends to. A stream message carries a batch of journal lines in
 * the file format; publishes are confirmed, pipelined (up to `maxInFlight` unconfirmed, never one
 * await per entry) and bounded in time (`sendTimeout`): a batch the broker does not confirm
 * becomes a gap record, like entries dropped for a full buffer.
 *
 * Reading consumes the stream from its first offset with a prefetch and manual acks; a stream
 * has no end, so the reader stops once no message has arrived for `idleTimeout` ms.
 *
 * Retention (`maxLengthBytes`, default 1 GiB; `maxAge`) is part of the stream's declaration, so
 * every writer of a cluster must use the same retention options: RabbitMQ refuses to declare an
 * existing queue with other arguments (`PRECONDITION_FAILED`, reported as a journal write
 * error). Readers do not declare the stream, so they need not know its retention; reading a
 * stream that does not exist fails with `TRANSPORT_ERROR` (the broker's `NOT_FOUND`).
 */
import { Connection } from 'rabbitmq-client';
import type { AsyncMessage, Consumer } from 'rabbitmq-client';
import { normalizeRabbitmqOptions } from '../transport/options.js';
import { redactUrl, transportError } from '../transport/redact.js';
import { BufferedJournal, type BatchWriter } from './BufferedJournal.js';
import { normalizeStreamJournalOptions, type StreamJournalOptions } from './options.js';
import { decodeRecord, type JournalRecord } from './record.js';

/** Where a cluster's journal stream lives. */
export interface StreamLocation {
  /** @default process.env.AMQP_URL, then 'amqp://guest:guest@127.0.0.1:5672' */
  url?: string;
  /** @default 'arbor' */
  cluster?: string;
}

/** The stream queue of `cluster`. */
export function journalQueue(cluster: string): string {
  return `arbor.${cluster}.journal`;
}

function resolveLocation(location: StreamLocation): { url: string; cluster: string; queue: string } {
  // The transport's normaliser validates the URL (redacting it in errors) and the cluster name.
  const { url, cluster } = normalizeRabbitmqOptions({ ...(location.url !== undefined ? { url: location.url } : {}), ...(location.cluster !== undefined ? { cluster: location.cluster } : {}) });
  return { url, cluster, queue: journalQueue(cluster) };
}

/**
 * A journal appended to the cluster's RabbitMQ stream. Connecting happens in the background;
 * entries buffer (bounded) meanwhile. `system.shutdown()` flushes and closes it within
 * `closeTimeout`.
 *
 * @example
 * const system = await createSystem({ transport: rabbitmqTransport({ url, cluster: 'demo' }),
 *                                     journal: streamJournal({ url, cluster: 'demo' }) });
 */
export function streamJournal(options: StreamJournalOptions = {}): BufferedJournal {
  const o = normalizeStreamJournalOptions(options);
  const { url, cluster, queue } = resolveLocation(options);
  const connection = new Connection({ url, connectionName: `arbor/${cluster}/journal`, acquireTimeout: o.sendTimeout, retryLow: 100, retryHigh: 5000 });
  connection.on('error', (err: unknown) => o.logger().warn({ err: transportError(err, url, 'journal connection error').message }, 'journal amqp connection error'));
  // Declared by the publisher before its first message and after every reconnection.
  const publisher = connection.createPublisher({ confirm: true, maxAttempts: 3, queues: [{ queue, durable: true, arguments: o.streamArguments }] });
  const writer: BatchWriter = {
    async write(text) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`broker did not confirm within ${o.sendTimeout} ms`)), o.sendTimeout);
      });
      try {
        await Promise.race([publisher.send({ routingKey: queue, durable: true, contentType: 'application/x-ndjson' }, Buffer.from(text, 'utf8')), deadline]);
      } catch (err) {
        throw transportError(err, url, 'journal publish failed', { queue });
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await publisher.close().catch(() => undefined);
      await closeConnection(connection, o.closeTimeout);
    },
  };
  o.logger().debug({ url: redactUrl(url), queue }, 'stream journal opened');
  return new BufferedJournal(writer, { ...o, closeTimeout: o.closeTimeout });
}

async function closeConnection(connection: Connection, timeout: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const closed = await Promise.race([connection.close().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeout)))]);
  clearTimeout(timer);
  if (!closed) connection.unsafeDestroy();
}

/** Options of reading a stream journal. */
export interface StreamReadOptions extends StreamLocation {
  /** Stop after this long without a new message (ms). @default 500 */
  idleTimeout?: number;
  /** Messages the broker may push ahead of processing. @default 64 */
  prefetch?: number;
  /** Time (ms) to wait for the first connection. @default 10_000 */
  connectTimeout?: number;
}

/** Every record of the cluster's journal stream, from its first offset, in stream order. */
export async function* readStream(options: StreamReadOptions): AsyncGenerator<JournalRecord> {
  const { url, queue } = resolveLocation(options);
  const idleTimeout = options.idleTimeout ?? 500;
  const connection = new Connection({ url, connectionName: 'arbor/journal-reader', connectionTimeout: options.connectTimeout ?? 10_000, retryLow: 100, retryHigh: 1000 });
  connection.on('error', () => undefined);
  try {
    await connection.onConnect(options.connectTimeout ?? 10_000);
  } catch (err) {
    connection.unsafeDestroy();
    throw transportError(err, url, 'cannot read the journal stream', { queue });
  }
  const inbox = new Inbox();
  const consumer: Consumer = connection.createConsumer(
    {
      queue,
      // Passive: the reader checks that the stream exists and leaves its arguments alone.
      queueOptions: { passive: true },
      qos: { prefetchCount: options.prefetch ?? 64 },
      arguments: { 'x-stream-offset': 'first' },
      concurrency: 1,
      requeue: false,
    },
    // Acked when the reader has taken the message's records: the prefetch bounds what waits here.
    (msg) => inbox.put(msg),
  );
  consumer.on('error', (err: unknown) => inbox.fail(transportError(err, url, 'journal stream consumer failed', { queue })));
  try {
    for (;;) {
      const msg = await inbox.next(idleTimeout);
      if (msg === undefined) return;
      const offset = msg.headers?.['x-stream-offset'];
      const text = Buffer.isBuffer(msg.body) ? msg.body.toString('utf8') : String(msg.body);
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]?.trim();
        if (line) yield decodeRecord(line, `${queue}@${String(offset)}:${i + 1}`);
      }
    }
  } finally {
    inbox.close();
    await consumer.close().catch(() => undefined);
    await closeConnection(connection, 5000);
  }
}

/** A one-slot hand-over from the consumer callback to the async generator. */
class Inbox {
  private slot: { msg: AsyncMessage; taken: () => void } | undefined;
  private waiter: ((msg: AsyncMessage | undefined) => void) | undefined;
  private error: Error | undefined;
  private rejecter: ((err: Error) => void) | undefined;
  private closed = false;

  put(msg: AsyncMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((taken) => {
      if (this.waiter) {
        const waiter = this.waiter;
        this.clearWaiter();
        waiter(msg);
        taken();
      } else {
        this.slot = { msg, taken };
      }
    });
  }

  fail(err: Error): void {
    this.error = err;
    this.rejecter?.(err);
  }

  /** The next message, or undefined after `idleTimeout` ms without one. */
  next(idleTimeout: number): Promise<AsyncMessage | undefined> {
    if (this.error) return Promise.reject(this.error);
    const slot = this.slot;
    if (slot) {
      this.slot = undefined;
      slot.taken();
      return Promise.resolve(slot.msg);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.clearWaiter();
        resolve(undefined);
      }, idleTimeout);
      this.waiter = (msg) => {
        clearTimeout(timer);
        resolve(msg);
      };
      this.rejecter = (err) => {
        clearTimeout(timer);
        this.clearWaiter();
        reject(err);
      };
    });
  }

  close(): void {
    this.closed = true;
    this.slot?.taken();
    this.slot = undefined;
  }

  private clearWaiter(): void {
    this.waiter = undefined;
    this.rejecter = undefined;
  }
}
