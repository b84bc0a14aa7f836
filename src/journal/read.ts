/** Reading a journal back: a file of JSON lines or a cluster's RabbitMQ stream, as one async iterable. */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ArborError, InvalidSpecError } from '../runtime/errors.js';
import { decodeRecord, type JournalRecord } from './record.js';
import { readStream, type StreamReadOptions } from './streamJournal.js';

/**
 * The records of a journal, in journal order: entries and gap records. `source` is a file path,
 * or `{ url, cluster }` for the cluster's stream (read from its first offset until it has been
 * quiet for `idleTimeout` ms). A malformed line throws `DECODE_ERROR` naming the file and line; a
 * torn last line (a crash mid-write) is skipped.
 *
 * @example
 * for await (const record of readJournal('journal.jsonl')) if (!isGap(record)) console.log(record.event.type);
 */
export function readJournal(source: string | StreamReadOptions): AsyncGenerator<JournalRecord> {
  if (typeof source === 'string') return readFile(source);
  if (typeof source === 'object' && source !== null) return readStream(source);
  throw new InvalidSpecError('source', source, 'must be a file path or { url, cluster }', { subject: 'journal' });
}

async function* readFile(path: string): AsyncGenerator<JournalRecord> {
  try {
    await access(path);
  } catch {
    throw new ArborError('NOT_FOUND', `journal not found: ${path}`, { path });
  }
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  // A bad line is held back one line: only the last line of a file may be torn.
  let held: ArborError | undefined;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    if (held) throw held;
    let record: JournalRecord;
    try {
      record = decodeRecord(line, `${path}:${lineNo}`);
    } catch (err) {
      if (!(err instanceof ArborError)) throw err;
      held = err;
      continue;
    }
    yield record;
  }
}
