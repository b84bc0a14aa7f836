/** The timeline of a journal (or of one workflow in it): what `arbor replay` prints. */
import { isGap, type JournalRecord } from './record.js';
import { relativePath } from './replay.js';

/** One row of a timeline. */
export type TimelineRow =
  | {
      kind: 'event';
      seq: number;
      /** Milliseconds since the first row. */
      offset: number;
      at: number;
      node: string;
      /** The recipient, node-relative (`root/w1`). */
      to: string;
      type: string;
      id?: string;
      correlationId?: string;
      causationId?: string;
    }
  | { kind: 'gap'; offset: number; at: number; node: string; dropped: number; firstSeq: number; lastSeq: number; reason: string };

/** Options of {@link timeline}. */
export interface TimelineOptions {
  /** Only events with this correlation id (gap records are kept: they may hide some). */
  correlationId?: string;
}

/** The rows of `records`, in journal order. */
export async function timeline(records: AsyncIterable<JournalRecord> | Iterable<JournalRecord>, options: TimelineOptions = {}): Promise<TimelineRow[]> {
  const rows: TimelineRow[] = [];
  let start: number | undefined;
  for await (const record of records) {
    if (isGap(record)) {
      const { gap } = record;
      start ??= gap.firstAt;
      rows.push({ kind: 'gap', offset: gap.firstAt - start, at: gap.firstAt, node: record.node, dropped: gap.dropped, firstSeq: gap.firstSeq, lastSeq: gap.lastSeq, reason: gap.reason });
      continue;
    }
    const { event } = record;
    if (options.correlationId !== undefined && event['correlationId'] !== options.correlationId) continue;
    start ??= record.at;
    rows.push({
      kind: 'event',
      seq: record.seq,
      offset: record.at - start,
      at: record.at,
      node: record.node,
      to: relativePath(record.to),
      type: event.type,
      ...stringField('id', event['id']),
      ...stringField('correlationId', event['correlationId']),
      ...stringField('causationId', event['causationId']),
    });
  }
  // A gap before the workflow's first event would show a negative offset otherwise.
  if (options.correlationId !== undefined) {
    while (rows[rows.length - 1]?.kind === 'gap') rows.pop();
    while (rows[0]?.kind === 'gap') rows.shift();
    const first = rows[0]?.at;
    if (first !== undefined) for (const row of rows) row.offset = row.at - first;
  }
  return rows;
}

function stringField<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' || typeof value === 'number' ? ({ [key]: String(value) } as Record<K, string>) : {};
}
