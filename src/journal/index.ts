/**
 * The event journal: sinks for the runtime's `journal` seam (an append-only file on the embedded
 * default, a RabbitMQ stream for a cluster), reading a journal back, its timeline, and replay into
 * a fresh system. Depends on `../runtime` (and the transport's URL handling); the runtime sees a
 * journal only as a `JournalSink`.
 */
export { fileJournal } from './fileJournal.js';
export { streamJournal, journalQueue } from './streamJournal.js';
export { readJournal } from './read.js';
export { replayJournal, relativePath } from './replay.js';
export { timeline } from './timeline.js';
export { isGap, isStoredRef, encodeEntry, decodeRecord, toStoredValue } from './record.js';
export { BufferedJournal } from './BufferedJournal.js';
export { DEFAULT_FILE_JOURNAL_OPTIONS, DEFAULT_STREAM_JOURNAL_OPTIONS } from './options.js';
export type { JournalStats, BatchWriter } from './BufferedJournal.js';
export type { StoredEntry, StoredRef, JournalGap, JournalRecord, GapReason } from './record.js';
export type { FileJournalOptions, StreamJournalOptions, JournalBufferOptions } from './options.js';
export type { StreamLocation, StreamReadOptions } from './streamJournal.js';
export type { ReplayOptions, ReplayResult, ReplayTarget } from './replay.js';
export type { TimelineRow, TimelineOptions } from './timeline.js';
