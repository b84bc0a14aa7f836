/** Temporary journal files and a pino logger whose lines the test can read. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { afterAll } from 'vitest';
import { readJournal, type JournalRecord } from '../../src/journal/index.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A path for a journal in a fresh temporary directory (removed after the file's tests). */
export async function tempJournal(name = 'journal.jsonl'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'arbor-journal-'));
  dirs.push(dir);
  return join(dir, name);
}

/** A logger that keeps its lines as objects. */
export function recordingLogger(): { logger: Logger; lines: { level: number; msg: string; [key: string]: unknown }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

/** Every record of a journal source, as an array. */
export async function records(source: Parameters<typeof readJournal>[0]): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  for await (const record of readJournal(source)) out.push(record);
  return out;
}
