/**
 * Options of the RabbitMQ transport: one documented type, one {@link DEFAULT_RABBITMQ_OPTIONS}
 * constant, one {@link normalizeRabbitmqOptions} that validates and fills in defaults. Everything
 * downstream reads only the normalised form, so no other file re-checks or re-defaults a field.
 */
import { ArborError, describe } from '../runtime/errors.js';
import { redactUrl } from './redact.js';

/** Exponential backoff: the n-th retry waits `min * factor^(n-1)` ms, capped at `max`. */
export interface BackoffOptions {
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
  /** Cluster name: nodes with the same name on one broker see each other. Letters, digits, `_-`. @default 'arbor' */
  cluster?: string;
  /** Heartbeat period in ms; a node silent for 3 periods (or that said goodbye) is down. @default 1000 */
  heartbeat?: number;
  /** Unacknowledged messages the broker may push to this node's queue consumer ahead of processing. @default 64 */
  prefetch?: number;
  /**
   * Unacknowledged messages per work-pool consumer; pool messages are handled concurrently up to
   * this many. Kept small so that one node does not hoard work its peers could take.
   * @default 8
   */
  poolPrefetch?: number;
  /** Largest encoded envelope, in bytes; larger ones go to `host.undeliverable` as `MESSAGE_TOO_LARGE`. @default 1_048_576 */
  maxMessageBytes?: number;
  /** Delivery attempts (the first included) before an envelope is dead-lettered. @default 5 */
  maxAttempts?: number;
  /** Delay between delivery attempts of an envelope the receiving host asked to retry. */
  retryBackoff?: Partial<BackoffOptions>;
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
  /** `false` turns coalescing off; an object tunes it. @default { enabled: true, maxBatchBytes: 65_536, maxBatchCount: 256 } */
  coalesce?: boolean | Partial<CoalesceOptions>;
}

/**
 * The options after {@link normalizeRabbitmqOptions}: every field present and valid. `url` (with
 * user info filled in) is a non-enumerable property, so printing or serialising the options never
 * shows it: read it by name, and never spread these options into a new object.
 */
export interface NormalizedRabbitmqOptions {
  readonly url: string;
  cluster: string;
  heartbeat: number;
  prefetch: number;
  poolPrefetch: number;
  maxMessageBytes: number;
  maxAttempts: number;
  retryBackoff: BackoffOptions;
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
export const DEFAULT_RABBITMQ_OPTIONS: Readonly<Omit<NormalizedRabbitmqOptions, 'url'>> = Object.freeze({
  cluster: 'arbor',
  heartbeat: 1000,
  prefetch: 64,
  poolPrefetch: 8,
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
 * Validates the caller's options and fills in the defaults. Throws `ArborError('INVALID_SPEC')`
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
  const out: Omit<NormalizedRabbitmqOptions, 'url'> = {
    cluster: validName('cluster', options.cluster ?? d.cluster),
    heartbeat: validInt('heartbeat', options.heartbeat ?? d.heartbeat, 10),
    prefetch: validInt('prefetch', options.prefetch ?? d.prefetch, 1, 65_535),
    poolPrefetch: validInt('poolPrefetch', options.poolPrefetch ?? d.poolPrefetch, 1, 65_535),
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
  if (out.retryBackoff.max < out.retryBackoff.min) invalid('retryBackoff.max', out.retryBackoff.max, `must be at least retryBackoff.min (${out.retryBackoff.min})`);
  if (out.reconnect.max < out.reconnect.min) invalid('reconnect.max', out.reconnect.max, `must be at least reconnect.min (${out.reconnect.min})`);
  const url = validUrl(options.url ?? (env.AMQP_URL || DEFAULT_AMQP_URL));
  return Object.defineProperty(out, 'url', { value: url, enumerable: false, writable: false, configurable: false }) as NormalizedRabbitmqOptions;
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

function invalid(field: string, value: unknown, expected: string): never {
  throw new ArborError('INVALID_SPEC', `invalid rabbitmq option: ${field} ${expected}, got ${describe(value)}`, { field, value });
}

function validInt(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(field, value, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function validNumber(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) invalid(field, value, `must be a finite number of at least ${min}`);
  return value;
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
function validUrl(value: unknown): string {
  if (typeof value !== 'string') return invalid('url', value, 'must be a string');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // The raw string may hold a password; only its redacted form may appear in the error.
    return invalidRedacted(value, `must be a valid URL (${ENCODE_HINT})`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') invalidRedacted(value, 'must start with amqp:// or amqps://');
  // `amqp:/user:pw@host` parses with no host at all (the rest is a path).
  if (!parsed.hostname) invalidRedacted(value, 'must name a host: amqp://user:password@host:port/vhost');
  // `amqp://guest:12/ab@host` parses as host "guest", port 12, path "/ab@host": a password cut at a "/".
  if (`${parsed.pathname}${parsed.search}${parsed.hash}`.includes('@')) invalidRedacted(value, `has an "@" after the host (${ENCODE_HINT})`);
  // Only a URL with no user info at all: a password given without a user is the caller's choice.
  if (parsed.username || parsed.password) return value;
  parsed.username = 'guest';
  parsed.password = 'guest';
  return parsed.href;
}

function invalidRedacted(url: string, expected: string): never {
  const shown = redactUrl(url);
  throw new ArborError('INVALID_SPEC', `invalid rabbitmq option: url ${expected}, got ${JSON.stringify(shown)}`, { field: 'url', value: shown });
}
