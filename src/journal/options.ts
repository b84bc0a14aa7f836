/**
 * Options of the file and stream journals: one documented type each, one `DEFAULT_…` constant
 * each, and one normalising function that validates and fills in defaults (`INVALID_SPEC` naming
 * the field and its value).
 */
import pino, { type Logger } from 'pino';
import { validator } from '../runtime/validate.js';

const { invalid, int: validInt } = validator('journal option');

/** Options shared by every buffered journal writer. */
export interface JournalBufferOptions {
  /**
   * Entries not yet written (buffered or in flight) before new ones are dropped into a gap record.
   * @default 10_000
   */
  maxPendingEntries?: number;
  /**
   * Characters of JSON not yet written before new entries are dropped into a gap record.
   * @default 16_777_216 (16 Mi)
   */
  maxPendingChars?: number;
  /**
   * Where warnings (gaps) and write errors are logged; `false` for silence.
   * @default pino at level `ARBOR_LOG_LEVEL` (else `info`), JSON lines on stderr
   */
  logger?: Logger | false;
}

/** Options of {@link fileJournal}. */
export interface FileJournalOptions extends JournalBufferOptions {
  /**
   * Most lines per `write` call.
   * @default 4096
   */
  batchLines?: number;
}

/** Options of {@link streamJournal}. */
export interface StreamJournalOptions extends JournalBufferOptions {
  /**
   * Broker URL; credentials never reach logs or errors.
   * @default process.env.AMQP_URL, then 'amqp://guest:guest@127.0.0.1:5672'
   */
  url?: string;
  /** The cluster whose journal this is: the stream queue is `arbor.<cluster>.journal`. @default 'arbor' */
  cluster?: string;
  /** Messages published and not yet confirmed by the broker. @default 32 */
  maxInFlight?: number;
  /** Most journal lines in one stream message. @default 256 */
  batchLines?: number;
  /** About the largest stream message, in characters (one line may exceed it). @default 65_536 */
  batchChars?: number;
  /** Time (ms) after which an unconfirmed message counts as failed (its entries become a gap). @default 10_000 */
  sendTimeout?: number;
  /** Time (ms) `close()` waits for the backlog to be confirmed before it gives up on it. @default 5_000 */
  closeTimeout?: number;
  /**
   * Retention by size: the broker discards the stream's oldest segments once it holds more than
   * this many bytes (`x-max-length-bytes`). Retention works on whole segments, so the stream may
   * hold up to one segment more than this. `false`: no size limit.
   * @default 1_073_741_824 (1 GiB)
   */
  maxLengthBytes?: number | false;
  /**
   * Retention by age: segments whose messages are all older than this are discarded
   * (`x-max-age`, a number and a unit: `Y`, `M`, `D`, `h`, `m` or `s`, e.g. `'7D'`). `false`: no age limit.
   * @default false
   */
  maxAge?: string | false;
  /**
   * Size of one stream segment file (`x-stream-max-segment-size-bytes`): the unit retention removes.
   * @default 67_108_864 (64 MiB)
   */
  maxSegmentSizeBytes?: number;
}

/** Normalised buffer options. */
export interface NormalizedBufferOptions {
  maxPendingEntries: number;
  maxPendingChars: number;
  logger: () => Logger;
}

export const DEFAULT_FILE_JOURNAL_OPTIONS = Object.freeze({
  maxPendingEntries: 10_000,
  maxPendingChars: 16_777_216,
  batchLines: 4096,
});

export const DEFAULT_STREAM_JOURNAL_OPTIONS = Object.freeze({
  maxPendingEntries: 10_000,
  maxPendingChars: 16_777_216,
  maxInFlight: 32,
  batchLines: 256,
  batchChars: 65_536,
  sendTimeout: 10_000,
  closeTimeout: 5_000,
  maxLengthBytes: 1_073_741_824 as number | false,
  maxAge: false as string | false,
  maxSegmentSizeBytes: 67_108_864,
});

/** The queue arguments of a journal stream: its type and its retention. */
export type StreamArguments = { 'x-queue-type': 'stream' } & Record<string, string | number>;

export function normalizeFileJournalOptions(options: FileJournalOptions = {}): NormalizedBufferOptions & { batchLines: number } {
  const d = DEFAULT_FILE_JOURNAL_OPTIONS;
  return { ...normalizeBuffer(options, d), batchLines: validInt('batchLines', options.batchLines ?? d.batchLines, 1) };
}

export function normalizeStreamJournalOptions(
  options: StreamJournalOptions = {},
): NormalizedBufferOptions & Required<Pick<StreamJournalOptions, 'maxInFlight' | 'batchLines' | 'batchChars' | 'sendTimeout' | 'closeTimeout'>> & { streamArguments: StreamArguments } {
  const d = DEFAULT_STREAM_JOURNAL_OPTIONS;
  return {
    streamArguments: streamArguments(options),
    ...normalizeBuffer(options, d),
    maxInFlight: validInt('maxInFlight', options.maxInFlight ?? d.maxInFlight, 1, 65_535),
    batchLines: validInt('batchLines', options.batchLines ?? d.batchLines, 1),
    batchChars: validInt('batchChars', options.batchChars ?? d.batchChars, 1),
    sendTimeout: validInt('sendTimeout', options.sendTimeout ?? d.sendTimeout, 1),
    closeTimeout: validInt('closeTimeout', options.closeTimeout ?? d.closeTimeout, 1),
  };
}

/** `x-max-age` values: a count and a unit, as RabbitMQ streams accept them. */
const MAX_AGE = /^[1-9][0-9]*[YMDhms]$/;

function streamArguments(options: StreamJournalOptions): StreamArguments {
  const d = DEFAULT_STREAM_JOURNAL_OPTIONS;
  const args: StreamArguments = { 'x-queue-type': 'stream' };
  const maxLengthBytes = options.maxLengthBytes ?? d.maxLengthBytes;
  if (maxLengthBytes !== false) args['x-max-length-bytes'] = validInt('maxLengthBytes', maxLengthBytes, 1);
  const maxAge = options.maxAge ?? d.maxAge;
  if (maxAge !== false) {
    if (typeof maxAge !== 'string' || !MAX_AGE.test(maxAge)) invalid('maxAge', maxAge, "must be a count and a unit (Y, M, D, h, m or s), e.g. '7D', or false");
    args['x-max-age'] = maxAge;
  }
  args['x-stream-max-segment-size-bytes'] = validInt('maxSegmentSizeBytes', options.maxSegmentSizeBytes ?? d.maxSegmentSizeBytes, 1);
  return args;
}

function normalizeBuffer(options: JournalBufferOptions, d: { maxPendingEntries: number; maxPendingChars: number }): NormalizedBufferOptions {
  if (typeof options !== 'object' || options === null) invalid('options', options, 'must be an object');
  const logger = options.logger;
  if (logger !== undefined && logger !== false && typeof (logger as { warn?: unknown }).warn !== 'function') invalid('logger', logger, 'must be a pino logger or false');
  return {
    maxPendingEntries: validInt('maxPendingEntries', options.maxPendingEntries ?? d.maxPendingEntries, 1),
    maxPendingChars: validInt('maxPendingChars', options.maxPendingChars ?? d.maxPendingChars, 1),
    logger: lazyLogger(logger),
  };
}

// The default logger is made on first use: a journal that never warns opens no stream.
function lazyLogger(logger: Logger | false | undefined): () => Logger {
  if (logger === false) {
    const silent = pino({ enabled: false });
    return () => silent;
  }
  if (logger) {
    const child = logger.child({ component: 'journal' });
    return () => child;
  }
  let made: Logger | undefined;
  return () => (made ??= pino({ name: 'arbor', level: process.env.ARBOR_LOG_LEVEL ?? 'info' }, pino.destination({ fd: 2, sync: false })).child({ component: 'journal' }));
}

