/**
 * The cluster's dead-letter queue (`arbor.<cluster>.dead`) as something to act on: list, show,
 * redrive, purge (`arbor dlq`). Entries are read with `basic.get` on a channel of their own and
 * held unacknowledged while the command runs, so a command that dies halfway loses nothing: the
 * broker puts back every entry not yet acknowledged.
 *
 * Redrive publishes an entry's envelope again, with broker confirms, to the routing key that
 * reaches its recipient (the node that owns its path, or its pool), and acknowledges the entry
 * only once the broker confirmed that publish. The redriven envelope gets a new id, derived from
 * the original id and the redrive count (`<original>~r<n>`), so the receiver does not drop it as
 * a repeat of the original; and a command killed between the confirm and the acknowledgement
 * republishes the same id next time, which the receiver drops as a duplicate. The original id,
 * the redrive count and the first failure time travel in the envelope's headers.
 */
import { Connection, type Channel, type SyncMessage } from 'rabbitmq-client';
import type { Logger } from 'pino';
import { realClock } from '../runtime/clock.js';
import { TOPIC_TARGET } from '../runtime/paths.js';
import type { Envelope } from '../runtime/transport.js';
import { decodeFrame, encodeEnvelope, envelopesOf } from './codec.js';
import { ConfirmedPublisher } from './ConfirmedPublisher.js';
import { recipientKey, REDRIVE_HEADERS } from './dead-letter.js';
import { transportError } from './redact.js';
import { Topology } from './topology.js';

/** One entry of the dead-letter queue, as `arbor dlq list` shows it. */
export interface DlqEntry {
  /** The dead-lettered envelope's id. */
  id: string;
  /** The id it had when it was first dead-lettered (differs from `id` after a redrive). */
  originalId: string;
  code: string;
  reason: string;
  recipient: string;
  eventType: string | undefined;
  correlationId: string | undefined;
  attempts: number;
  /** How many times it was redriven before. */
  redrives: number;
  /** The node that dead-lettered it. */
  node: string;
  firstFailedAt: number | undefined;
  lastFailedAt: number | undefined;
  routingKey: string;
  /** The event, when the body decoded. */
  event: unknown;
}

/** Which entries a command acts on; every field given must match. */
export interface DlqFilter {
  code?: string | undefined;
  /** A recipient path: entries to it and to actors below it. */
  path?: string | undefined;
  correlationId?: string | undefined;
  /** An entry's `id` or `originalId`. */
  id?: string | undefined;
  /** At most this many. */
  limit?: number | undefined;
}

/** Options of {@link DeadLetterQueue.redrive}. */
export interface RedriveOptions {
  /** At most this many entries per second, to spare a service that just recovered. @default no limit */
  rate?: number | undefined;
  /** Told of each entry once its resend is confirmed. */
  onEach?: (entry: DlqEntry) => void;
}

/** What a redrive did. */
export interface RedriveReport {
  redriven: number;
  /** Matching entries that stay on the queue: undecodable, system envelopes, or not confirmed. */
  kept: number;
  /** Redriven entries per recipient. */
  recipients: Record<string, number>;
  /** Why entries were kept, one line each. */
  problems: string[];
}

/** Options of {@link DeadLetterQueue}. */
export interface DeadLetterQueueOptions {
  url: string;
  cluster: string;
  logger: Logger;
  /** How long a redrive publish may take to be confirmed. @default 10000 */
  sendTimeout?: number;
}

/** A connection to one cluster's dead-letter queue. */
export class DeadLetterQueue {
  readonly topology: Topology;
  private connection: Connection | undefined;

  constructor(private readonly options: DeadLetterQueueOptions) {
    this.topology = new Topology(options.cluster);
  }

  /** Connects and checks the queue exists (`TRANSPORT_ERROR` otherwise, URL redacted). */
  async open(): Promise<void> {
    const connection = new Connection({ url: this.options.url, connectionName: `arbor/${this.options.cluster}/dlq`, connectionTimeout: 5000, retryLow: 200, retryHigh: 1000 });
    connection.on('error', (err: unknown) => this.options.logger.debug({ err: transportError(err, this.options.url, 'connection error').message }, 'amqp connection error'));
    try {
      await connection.onConnect(5000);
      await connection.queueDeclare({ queue: this.topology.deadQueue, passive: true });
    } catch (err) {
      connection.unsafeDestroy();
      throw transportError(err, this.options.url, `cannot open the dead-letter queue ${this.topology.deadQueue}`, { queue: this.topology.deadQueue });
    }
    this.connection = connection;
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }

  /** The matching entries, oldest first; the queue is left as it was. */
  list(filter: DlqFilter = {}): Promise<DlqEntry[]> {
    return this.walk(filter, async () => false);
  }

  /** Removes the matching entries; resolves to how many. */
  async purge(filter: DlqFilter = {}): Promise<number> {
    return (await this.walk(filter, async () => true)).length;
  }

  /** Sends the matching entries back to their recipients; see the module header. */
  async redrive(filter: DlqFilter = {}, options: RedriveOptions = {}): Promise<RedriveReport> {
    const gap = options.rate !== undefined && options.rate > 0 ? 1000 / options.rate : 0;
    let next = Date.now();
    const connection = this.require();
    const publisher = new ConfirmedPublisher({ connection, clock: realClock, sendTimeout: this.options.sendTimeout ?? 10_000, url: this.options.url, logger: this.options.logger });
    const report: RedriveReport = { redriven: 0, kept: 0, recipients: {}, problems: [] };
    try {
      await this.walk(filter, async (entry, msg) => {
        const envelope = envelopeOf(msg);
        if (!envelope || envelope.kind !== 'user') {
          report.kept++;
          report.problems.push(`${entry.id}: ${envelope ? 'a system message is not redriven' : 'the body does not decode'}`);
          return false;
        }
        if (gap > 0) {
          const wait = next - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          next = Math.max(next, Date.now()) + gap;
        }
        const again = redriven(envelope, entry);
        const routingKey = envelope.to === TOPIC_TARGET ? entry.routingKey : recipientKey(this.topology, again, entry.node);
        const outcome = await publisher.publish({ exchange: this.topology.exchange, routingKey, body: encodeEnvelope(again), mandatory: true, durable: true, ...(again.correlationId ? { correlationId: again.correlationId } : {}) });
        if (!outcome.ok) {
          report.kept++;
          report.problems.push(`${entry.id}: ${outcome.error.code} ${outcome.error.message}`);
          return false;
        }
        report.redriven++;
        report.recipients[entry.recipient] = (report.recipients[entry.recipient] ?? 0) + 1;
        options.onEach?.(entry);
        return true;
      });
    } finally {
      await publisher.close();
    }
    return report;
  }

  /**
   * Takes every entry with `basic.get`, holding them unacknowledged; `act` decides for each
   * matching one whether it is acknowledged (removed). The rest are put back at the end, in order.
   */
  private async walk(filter: DlqFilter, act: (entry: DlqEntry, msg: SyncMessage) => Promise<boolean>): Promise<DlqEntry[]> {
    const channel: Channel = await this.require().acquire();
    const matched: DlqEntry[] = [];
    try {
      // Only what is there now: an entry redriven to a recipient that dead-letters it again comes
      // back at the tail, and must not be taken round again in the same command.
      const { messageCount } = await channel.queueDeclare({ queue: this.topology.deadQueue, passive: true });
      for (let taken = 0; taken < messageCount; taken++) {
        if (filter.limit !== undefined && matched.length >= filter.limit) break;
        const msg = await channel.basicGet({ queue: this.topology.deadQueue });
        if (!msg) break;
        const entry = entryOf(msg);
        if (!matches(entry, filter)) continue;
        matched.push(entry);
        if (await act(entry, msg)) channel.basicAck({ deliveryTag: msg.deliveryTag });
      }
    } finally {
      // Closing the channel puts back every entry still unacknowledged.
      await channel.close().catch(() => undefined);
    }
    return matched;
  }

  private require(): Connection {
    if (!this.connection) throw transportError(new Error('not open'), this.options.url, 'dead-letter queue used before open()');
    return this.connection;
  }
}

/** The envelope to publish again: a fresh id derived from the original one, attempts from zero. */
export function redriven(envelope: Envelope, entry: DlqEntry): Envelope {
  const redrives = entry.redrives + 1;
  const headers: Record<string, string> = { ...envelope.headers, [REDRIVE_HEADERS.originalId]: entry.originalId, [REDRIVE_HEADERS.redrives]: String(redrives) };
  if (entry.firstFailedAt !== undefined) headers[REDRIVE_HEADERS.firstFailedAt] = String(entry.firstFailedAt);
  const again: Envelope = { id: `${entry.originalId}~r${redrives}`, to: envelope.to, kind: envelope.kind, body: envelope.body, sentAt: envelope.sentAt, attempt: 0, headers };
  if (envelope.from !== undefined) again.from = envelope.from;
  if (envelope.correlationId !== undefined) again.correlationId = envelope.correlationId;
  return again;
}

function envelopeOf(msg: SyncMessage): Envelope | undefined {
  const bytes = Buffer.isBuffer(msg.body) ? msg.body : Buffer.from(typeof msg.body === 'string' ? msg.body : JSON.stringify(msg.body ?? null));
  const decoded = decodeFrame(bytes);
  return decoded.ok ? envelopesOf(decoded.frame)[0] : undefined;
}

/** What the headers (and, when it decodes, the body) say about one entry. */
export function entryOf(msg: SyncMessage): DlqEntry {
  const h = msg.headers ?? {};
  const envelope = envelopeOf(msg);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
  const id = envelope?.id ?? str(h['x-arbor-message-id']) ?? msg.messageId ?? '?';
  const type = (envelope?.body as { type?: unknown } | null | undefined)?.type;
  return {
    id,
    originalId: envelope?.headers?.[REDRIVE_HEADERS.originalId] ?? id,
    code: str(h['x-arbor-code']) ?? 'UNKNOWN',
    reason: str(h['x-arbor-reason']) ?? '',
    recipient: envelope?.to ?? str(h['x-arbor-to']) ?? '?',
    eventType: typeof type === 'string' ? type : str(h['x-arbor-event-type']),
    correlationId: envelope?.correlationId ?? msg.correlationId,
    attempts: num(h['x-arbor-attempts']) ?? 1,
    redrives: num(envelope?.headers?.[REDRIVE_HEADERS.redrives]) ?? 0,
    node: str(h['x-arbor-node']) ?? '?',
    firstFailedAt: num(h['x-arbor-first-failed-at']) ?? num(h['x-arbor-failed-at']),
    lastFailedAt: num(h['x-arbor-failed-at']),
    routingKey: str(h['x-arbor-routing-key']) ?? '',
    event: envelope?.body,
  };
}

function matches(entry: DlqEntry, filter: DlqFilter): boolean {
  if (filter.code !== undefined && entry.code !== filter.code) return false;
  if (filter.correlationId !== undefined && entry.correlationId !== filter.correlationId) return false;
  if (filter.id !== undefined && entry.id !== filter.id && entry.originalId !== filter.id) return false;
  if (filter.path !== undefined && entry.recipient !== filter.path && !entry.recipient.startsWith(filter.path + '/')) return false;
  return true;
}
