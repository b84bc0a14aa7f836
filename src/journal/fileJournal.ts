/**
 * The journal of the embedded default: an append-only local file of JSON lines. Opening an
 * existing journal continues its sequence numbers; nothing is ever rewritten.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync, write as fsWrite, close as fsClose } from 'node:fs';
import { ArborError, InvalidSpecError } from '../runtime/errors.js';
import { BufferedJournal, type BatchWriter } from './BufferedJournal.js';
import { normalizeFileJournalOptions, type FileJournalOptions } from './options.js';
import { decodeRecord, isGap } from './record.js';

/**
 * A journal in an append-only file at `path` (created if missing, appended to if not). Pass it as
 * `createSystem({ journal })`; `system.shutdown()` flushes and closes it.
 *
 * Memory stays bounded: see `maxPendingEntries` / `maxPendingChars`; when the disk falls that far
 * behind, new entries are dropped and a gap record counts them (with a pino warning).
 *
 * @example
 * const journal = fileJournal('journal.jsonl');
 * const system = await createSystem({ journal });
 * // ... later, in a fresh process:
 * await replayJournal(readJournal('journal.jsonl'), freshSystem);
 */
export function fileJournal(path: string, options: FileJournalOptions = {}): BufferedJournal {
  if (typeof path !== 'string' || path === '') throw new InvalidSpecError('path', path, 'must be a non-empty string', { subject: 'journal' });
  const o = normalizeFileJournalOptions(options);
  let fd: number;
  try {
    fd = openSync(path, 'a+');
  } catch (err) {
    throw new InvalidSpecError('path', path, 'must be a file that can be opened', { message: `cannot open journal ${path}: ${(err as Error).message}`, cause: err });
  }
  const { lastSeq, torn } = tailOf(fd, path);
  // A crash mid-write leaves a line without its newline: end it, so the next entry starts clean.
  if (torn) writeSync(fd, '\n');
  return new BufferedJournal(fileWriter(fd), { ...o, maxInFlight: 1, batchChars: Number.MAX_SAFE_INTEGER, lastSeq });
}

function fileWriter(fd: number): BatchWriter {
  return {
    async write(text) {
      const bytes = Buffer.from(text, 'utf8');
      for (let offset = 0; offset < bytes.length; ) {
        offset += await new Promise<number>((resolve, reject) => fsWrite(fd, bytes, offset, bytes.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))));
      }
    },
    close: () => new Promise<void>((resolve, reject) => fsClose(fd, (err) => (err ? reject(err) : resolve()))),
  };
}

const TAIL = 65_536;

/** The highest sequence number in the last complete lines of the file (or 0), and whether its last line is torn. */
function tailOf(fd: number, path: string): { lastSeq: number; torn: boolean } {
  const size = fstatSync(fd).size;
  if (size === 0) return { lastSeq: 0, torn: false };
  const length = Math.min(size, TAIL);
  const tail = Buffer.alloc(length);
  readSync(fd, tail, 0, length, size - length);
  const torn = tail[length - 1] !== 0x0a;
  const lines = tail.toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim();
    if (!line) continue;
    try {
      const record = decodeRecord(line, path);
      return { lastSeq: isGap(record) ? record.gap.lastSeq : record.seq, torn };
    } catch {
      // A torn last line (a crash mid-write) or the cut first line of the tail: look further up.
    }
  }
  closeSync(fd);
  throw new ArborError('DECODE_ERROR', `${path} is not a journal: no journal record in its last ${length} bytes`, { path });
}
