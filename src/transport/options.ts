/**
 * Options of the RabbitMQ transport: one documented type, one {@link DEFAULT_RABBITMQ_OPTIONS}
 * constant, one {@link normalizeRabbitmqOptions} that validates and fills in defaults. Everything
 * downstream reads only the normalised form, so no other file re-checks or re-defaults a field.
 */
import { InvalidSpecError } from '../runtime/errors.js';
import { validator } from '../runtime/validate.js';
import { defaultManagementUrl } from './management-stats.js';
import { redactUrl } from './redact.js';

const check = validator('rabbitmq option');
const validInt = check.int;
const validNumber = check.number;

/** Declared as a function, so a call narrows the value's type like a throw does. */
function invalid(field: string, value: unknown, expected: string): never {
  return check.invalid(field, value, expected);
}

/** Exponential backoff: the n-th retry waits `min * factor^(n-1)` ms, capped at `max`. */
export interface RetryBackoffOptions {
  /** @default 100 */
  min: number;
  /** @default 10_000 */
  max: number;
  /** @default 2 */
  factor: number;
}

/** Coalescing of small messages to the same node within one event-loop tick. */
export interface CoalesceOptions {
  /** @default true */
  enabled: boolean;
  /** Largest batch frame, in bytes; never more than `maxMessageBytes`. @default 65_536 */
  maxBatchBytes: number;
  /** Most envelopes in one batch frame. @default 256 */
  maxBatchCount: number;
}

/** What the caller of {@link rabbitmqTransport} may pass; every field is optional. */
export interface RabbitmqTransportOptions {
  /**
   * Broker URL; `amqps://` enables TLS. Credentials in it never reach logs or errors. A URL without
   * user info (`amqp://localhost`) logs in as the broker's default user, `guest:guest`. Special
   * characters in the password must be percent-encoded (`/` as `%2F`, `#` as `%23`, `?` as `%3F`,
   * `@` as `%40`).
   * @default process.env.AMQP_URL, then 'amqp://guest:guest@127.0.0.1:5672'
   */
  url?: string;
  /**
   * More addresses of the same RabbitMQ cluster (its other broker nodes). The node connects to the
   * first that answers and moves to the next when its broker is lost; messages are not lost or
   * duplicated by the move (confirms, acks and dedup hold across it). Each must use the scheme,
   * user, password and vhost of `url`. A `url` (or `AMQP_URL`) may also be a comma-separated list.
   * @default []
   */
  urls?: readonly string[];
  /**
   * The type of the queues that hold messages (node, pool, retry and dead-letter queues):
   * `'classic'` (one broker node holds each queue) or `'quorum'` (replicated by Raft over the broker
   * cluster's nodes, the only replicated type in RabbitMQ 4: choose it on a broker cluster). The
   * default is classic because it measured faster on one broker (benchmarks/README.md,
   * `queue-type`); RabbitMQ refuses to redeclare an existing queue as another type, so a cluster
   * must use one type throughout.
   * @default 'classic'
   */
  queueType?: QueueType;
  /**
   * Pool queues honour message priority (`x-max-priority: 1`): an urgent message
   * (`send(event, { priority: 'urgent' })` or a `priorities` type) overtakes the normal ones waiting
   * in a work pool. Needs `queueType: 'classic'`: quorum queues do not support `x-max-priority`
   * in RabbitMQ 3.x. RabbitMQ refuses to redeclare an existing queue with other arguments, so a
   * cluster must use one setting throughout.
   * @default false
   */
  poolPriority?: boolean;
  /**
   * An observer node (`arbor status`, `arbor inspect`): its inbound queue is exclusive and
   * auto-deleted with its connection instead of durable, so it leaves nothing behind.
   * @default false
   */
  ephemeral?: boolean;
  /** Cluster name: nodes with the same name on one broker see each other. Letters, digits, `_-`. @default 'arbor' */
  cluster?: string;
  /**
   * Heartbeat period in ms. A peer is down when the broker saw its connection close (at once), when
   * it said goodbye, or when its silence grew too unlikely for the φ accrual detector
   * (`failureDetector`; about 3.5 periods of silence for a steady peer with the defaults).
   * @default 1000
   */
  heartbeat?: number;
  /**
   * The φ accrual failure detector that judges silent peers (as Akka's): `threshold` is the φ at
   * which a peer is down (8: a silence with a 10⁻⁸ chance), `acceptablePause` how much longer than
   * usual a silence may be (GC pauses, long turns), `minStdDeviation` the least spread assumed.
   * @default { threshold: 8, acceptablePause: 2 × heartbeat, minStdDeviation: heartbeat / 10 }
   */
  failureDetector?: FailureDetectorOptions;
  /** Unacknowledged messages the broker may push to this node's queue consumer ahead of processing. @default 64 */
  prefetch?: number;
  /**
   * Unacknowledged messages per work-pool consumer; pool messages are handled concurrently up to
   * this many. Kept small so that one node does not hoard work its peers could take.
   * @default 8
   */
  poolPrefetch?: number;
  /**
   * Pool messages sent in one event-loop turn to one pool leave in AMQP messages of up to this many
   * (one persistent publish, confirm, delivery and ack for all of them) instead of one each; a lone
   * message leaves alone, at the end of its turn as every send does, so low load sees no delay. A
   * batch goes to one serving node whole, which works its messages concurrently and acks it once
   * all are finished. A serving node's prefetch (`concurrency`) counts pool messages, not AMQP
   * messages: it never holds more than that many (a batch that would not fit is given back whole
   * to the queue, for another node or for later). Batches are never larger than the smallest
   * prefetch among the nodes serving the pool (they tell it in their heartbeats), and while no
   * serving node is known pool messages leave one by one; only a node that started serving within
   * the last heartbeat can be sent a batch above its prefetch, which it takes whole when it holds
   * nothing. Every node of a cluster may use its own value.
   * @default 8 (1 with `queueType: 'quorum'`: quorum queues have no channel-wide QoS, so their
   * members can only bound what they hold by taking `concurrency / poolBatch` AMQP messages at once)
   */
  poolBatch?: number;
  /** Largest encoded envelope, in bytes; larger ones go to `host.undeliverable` as `MESSAGE_TOO_LARGE`. @default 1_048_576 */
  maxMessageBytes?: number;
  /** Delivery attempts (the first included) before an envelope is dead-lettered. @default 5 */
  maxAttempts?: number;
  /** Delay between delivery attempts of an envelope the receiving host asked to retry. */
  retryBackoff?: Partial<RetryBackoffOptions>;
  /** How many recently delivered message ids each receiver remembers to drop duplicates. @default 10_000 */
  dedupCapacity?: number;
  /** Time (ms) after which a send the broker has not confirmed goes to `host.undeliverable` as `TRANSPORT_ERROR`. @default 10_000 */
  sendTimeout?: number;
  /** Time (ms) `start()` waits for the first connection. @default 10_000 */
  connectTimeout?: number;
  /** Time (ms) `stop()` waits for a graceful close before it destroys the connection. @default 5_000 */
  stopTimeout?: number;
  /** Reconnection backoff (ms) of the underlying connection. @default { min: 100, max: 5_000 } */
  reconnect?: { min?: number; max?: number };
  /**
   * The RabbitMQ management HTTP API, for the broker-queue metrics: it alone reports
   * unacknowledged messages (passive declares report depth and consumers only, and are the
   * fallback, with one warning, when the API does not answer). The path is the vhost
   * (`/%2F` for `/`); credentials in it are never shown. `false` never asks the API.
   * @default the host and credentials of `url`, port 15672 (15671, https, for amqps), its vhost
   */
  managementUrl?: string | false;
  /** `false` turns coalescing off; an object tunes it. @default { enabled: true, maxBatchBytes: 65_536, maxBatchCount: 256 } */
  coalesce?: boolean | Partial<CoalesceOptions>;
}

/** The RabbitMQ queue types Arbor can use for its message queues. */
export type QueueType = 'classic' | 'quorum';

/** Tuning of the φ accrual failure detector; times in ms. */
export interface FailureDetectorOptions {
  threshold?: number;
  acceptablePause?: number;
  minStdDeviation?: number;
}

/**
 * The options after {@link normalizeRabbitmqOptions}: every field present and valid. `url` (with
 * user info filled in) is a non-enumerable property, so printing or serialising the options never
 * shows it: read it by name, and never spread these options into a new object.
 */
export interface NormalizedRabbitmqOptions {
  /** The first broker URL (credentials and vhost for every address). */
  readonly url: string;
  /** The management API URL (with credentials: non-enumerable like `url`), or undefined when turned off. */
  readonly managementUrl: string | undefined;
  /** `hostname:port` of every broker address, `url`'s first. */
  hosts: string[];
  queueType: QueueType;
  poolPriority: boolean;
  ephemeral: boolean;
  cluster: string;
  heartbeat: number;
  /** A missing time means: scaled from `heartbeat` (see {@link RabbitmqTransportOptions.failureDetector}). */
  failureDetector: { threshold: number; acceptablePause?: number; minStdDeviation?: number };
  prefetch: number;
  poolPrefetch: number;
  poolBatch: number;
  maxMessageBytes: number;
  maxAttempts: number;
  retryBackoff: RetryBackoffOptions;
  dedupCapacity: number;
  sendTimeout: number;
  connectTimeout: number;
  stopTimeout: number;
  reconnect: { min: number; max: number };
  coalesce: CoalesceOptions;
}

/** The URL used when neither the options nor `AMQP_URL` name one. */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** The defaults, in one place (the URL is resolved at normalisation time, from the environment). */
export const DEFAULT_RABBITMQ_OPTIONS: Readonly<Omit<NormalizedRabbitmqOptions, 'url' | 'managementUrl' | 'hosts'>> = Object.freeze({
  queueType: 'classic' as QueueType,
  poolPriority: false,
  ephemeral: false,
  cluster: 'arbor',
  heartbeat: 1000,
  failureDetector: Object.freeze({ threshold: 8 }),
  prefetch: 64,
  poolPrefetch: 8,
  poolBatch: 8,
  maxMessageBytes: 1_048_576,
  maxAttempts: 5,
  retryBackoff: Object.freeze({ min: 100, max: 10_000, factor: 2 }),
  dedupCapacity: 10_000,
  sendTimeout: 10_000,
  connectTimeout: 10_000,
  stopTimeout: 5_000,
  reconnect: Object.freeze({ min: 100, max: 5_000 }),
  coalesce: Object.freeze({ enabled: true, maxBatchBytes: 65_536, maxBatchCount: 256 }),
});

/**
 * Validates the caller's options and fills in the defaults. Throws `InvalidSpecError` (`INVALID_SPEC`)
 * naming the bad field and its value (a URL is shown redacted).
 */
export function normalizeRabbitmqOptions(
  options: RabbitmqTransportOptions = {},
  env: Record<string, string | undefined> = process.env,
): NormalizedRabbitmqOptions {
  const d = DEFAULT_RABBITMQ_OPTIONS;
  const maxMessageBytes = validInt('maxMessageBytes', options.maxMessageBytes ?? d.maxMessageBytes, 64);
  const backoff = { ...d.retryBackoff, ...options.retryBackoff };
  const reconnect = { ...d.reconnect, ...options.reconnect };
  const coalesce = normalizeCoalesce(options.coalesce, maxMessageBytes);
  const [firstUrl, ...moreUrls] = splitUrls(options.url ?? (env.AMQP_URL || DEFAULT_AMQP_URL));
  const extra = options.urls ?? [];
  if (!Array.isArray(extra)) invalid('urls', extra, 'must be an array of URLs');
  const url = validUrl(firstUrl);
  const managementUrl = validManagementUrl(options.managementUrl, url);
  const out: Omit<NormalizedRabbitmqOptions, 'url' | 'managementUrl'> = {
    hosts: [hostOf(url), ...[...moreUrls, ...extra].map((u, i) => hostOf(sameBroker(url, u, `urls[${i}]`)))],
    queueType: validChoice('queueType', options.queueType ?? d.queueType, ['classic', 'quorum'] as const),
    poolPriority: validBoolean('poolPriority', options.poolPriority ?? d.poolPriority),
    ephemeral: validBoolean('ephemeral', options.ephemeral ?? d.ephemeral),
    cluster: validName('cluster', options.cluster ?? d.cluster),
    heartbeat: validInt('heartbeat', options.heartbeat ?? d.heartbeat, 10),
    failureDetector: normalizeFailureDetector(options.failureDetector),
    prefetch: validInt('prefetch', options.prefetch ?? d.prefetch, 1, 65_535),
    poolPrefetch: validInt('poolPrefetch', options.poolPrefetch ?? d.poolPrefetch, 1, 65_535),
    poolBatch: 0,
    maxMessageBytes,
    maxAttempts: validInt('maxAttempts', options.maxAttempts ?? d.maxAttempts, 1, 100),
    retryBackoff: {
      min: validInt('retryBackoff.min', backoff.min, 1),
      max: validInt('retryBackoff.max', backoff.max, 1),
      factor: validNumber('retryBackoff.factor', backoff.factor, 1),
    },
    dedupCapacity: validInt('dedupCapacity', options.dedupCapacity ?? d.dedupCapacity, 1),
    sendTimeout: validInt('sendTimeout', options.sendTimeout ?? d.sendTimeout, 1),
    connectTimeout: validInt('connectTimeout', options.connectTimeout ?? d.connectTimeout, 1),
    stopTimeout: validInt('stopTimeout', options.stopTimeout ?? d.stopTimeout, 1),
    reconnect: { min: validInt('reconnect.min', reconnect.min, 1), max: validInt('reconnect.max', reconnect.max, 1) },
    coalesce,
  };
  // Quorum queues have no channel-wide QoS, so their members bound what they hold with a fixed limit of whole batches: no batching unless asked.
  out.poolBatch = validInt('poolBatch', options.poolBatch ?? (out.queueType === 'quorum' ? 1 : d.poolBatch), 1, 1024);
  if (out.retryBackoff.max < out.retryBackoff.min) invalid('retryBackoff.max', out.retryBackoff.max, `must be at least retryBackoff.min (${out.retryBackoff.min})`);
  if (out.reconnect.max < out.reconnect.min) invalid('reconnect.max', out.reconnect.max, `must be at least reconnect.min (${out.reconnect.min})`);
  if (out.poolPriority && out.queueType === 'quorum') invalid('poolPriority', true, 'needs queueType "classic": quorum queues do not support x-max-priority in RabbitMQ 3.x');
  return Object.defineProperties(out, {
    url: { value: url, enumerable: false, writable: false, configurable: false },
    managementUrl: { value: managementUrl, enumerable: false, writable: false, configurable: false },
  }) as NormalizedRabbitmqOptions;
}

function normalizeCoalesce(value: RabbitmqTransportOptions['coalesce'], maxMessageBytes: number): CoalesceOptions {
  const d = DEFAULT_RABBITMQ_OPTIONS.coalesce;
  if (value === undefined || value === true) return { ...d, maxBatchBytes: Math.min(d.maxBatchBytes, maxMessageBytes) };
  if (value === false) return { ...d, enabled: false };
  if (typeof value !== 'object' || value === null) return invalid('coalesce', value, 'must be a boolean or an object');
  const enabled = value.enabled ?? true;
  if (typeof enabled !== 'boolean') invalid('coalesce.enabled', enabled, 'must be a boolean');
  return {
    enabled,
    maxBatchBytes: validInt('coalesce.maxBatchBytes', value.maxBatchBytes ?? Math.min(d.maxBatchBytes, maxMessageBytes), 64, maxMessageBytes),
    maxBatchCount: validInt('coalesce.maxBatchCount', value.maxBatchCount ?? d.maxBatchCount, 1),
  };
}

/** Cluster names become exchange and queue name parts, so they stay within a safe alphabet. */
function validName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    invalid(field, value, 'must be 1 to 64 letters, digits, "_" or "-"');
  }
  return value;
}

/** What a user is told to do about a password with special characters. */
const ENCODE_HINT = 'percent-encode special characters in the password: / as %2F, # as %23, ? as %3F, @ as %40';

/**
 * A usable amqp(s) URL, with `guest:guest` filled in when it names no user: rabbitmq-client would
 * log in with empty credentials, while the broker's default user (and Arbor's default URL) is guest.
 */
function validUrl(value: unknown, field = 'url'): string {
  if (typeof value !== 'string') return invalid(field, value, 'must be a string');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // The raw string may hold a password; only its redacted form may appear in the error.
    return invalidRedacted(value, `must be a valid URL (${ENCODE_HINT})`, field);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') invalidRedacted(value, 'must start with amqp:// or amqps://', field);
  // `amqp:/user:pw@host` parses with no host at all (the rest is a path).
  if (!parsed.hostname) invalidRedacted(value, 'must name a host: amqp://user:password@host:port/vhost', field);
  // `amqp://guest:12/ab@host` parses as host "guest", port 12, path "/ab@host": a password cut at a "/".
  if (`${parsed.pathname}${parsed.search}${parsed.hash}`.includes('@')) invalidRedacted(value, `has an "@" after the host (${ENCODE_HINT})`, field);
  // Only a URL with no user info at all: a password given without a user is the caller's choice.
  if (parsed.username || parsed.password) return value;
  parsed.username = 'guest';
  parsed.password = 'guest';
  return parsed.href;
}

/** An http(s) management URL, the default derived from `amqpUrl`, or undefined for `false`. */
function validManagementUrl(value: unknown, amqpUrl: string): string | undefined {
  if (value === false) return undefined;
  if (value === undefined) return defaultManagementUrl(amqpUrl);
  if (typeof value !== 'string') return invalid('managementUrl', value, 'must be an http(s) URL or false');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return invalidRedacted(value, `must be a valid URL (${ENCODE_HINT})`, 'managementUrl');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') invalidRedacted(value, 'must start with http:// or https://', 'managementUrl');
  return value;
}

function invalidRedacted(url: string, expected: string, field = 'url'): never {
  throw new InvalidSpecError(field, url, expected, { subject: 'rabbitmq option', shown: redactUrl(url) });
}

/** A comma-separated list of URLs (as `AMQP_URL` may hold) as its URLs; a single URL as itself. */
function splitUrls(value: unknown): unknown[] {
  return typeof value === 'string' ? value.split(/,(?=\s*amqps?:\/\/)/).map((u) => u.trim()) : [value];
}

/** `hostname:port` of a validated URL, with the scheme's default port. */
function hostOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'amqps:' ? '5671' : '5672')}`;
}

/** Another address of the broker cluster of `first`: same scheme, credentials and vhost (the connection has one set of each). */
function sameBroker(first: string, other: unknown, field: string): string {
  const valid = validUrl(other, field);
  const parsed = new URL(valid);
  const a = new URL(first);
  if (parsed.protocol !== a.protocol || parsed.username !== a.username || parsed.password !== a.password || parsed.pathname !== a.pathname) {
    invalidRedacted(valid, `must use the scheme, user, password and vhost of url (${redactUrl(first)})`, field);
  }
  return valid;
}

function validChoice<T extends string>(field: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) invalid(field, value, `must be one of ${choices.map((c) => `'${c}'`).join(', ')}`);
  return value as T;
}

function validBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalid(field, value, 'must be a boolean');
  return value;
}

function normalizeFailureDetector(fd: FailureDetectorOptions | undefined): NormalizedRabbitmqOptions['failureDetector'] {
  if (fd === undefined) return { ...DEFAULT_RABBITMQ_OPTIONS.failureDetector };
  if (typeof fd !== 'object' || fd === null) invalid('failureDetector', fd, 'must be an object');
  const out: NormalizedRabbitmqOptions['failureDetector'] = { threshold: validNumber('failureDetector.threshold', fd.threshold ?? DEFAULT_RABBITMQ_OPTIONS.failureDetector.threshold, 1) };
  if (fd.acceptablePause !== undefined) out.acceptablePause = validInt('failureDetector.acceptablePause', fd.acceptablePause, 0);
  if (fd.minStdDeviation !== undefined) out.minStdDeviation = validInt('failureDetector.minStdDeviation', fd.minStdDeviation, 1);
  return out;
}
