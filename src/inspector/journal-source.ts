/**
 * Workflows from journal files (`arbor inspect --journal FILE ...`, one file per node): the files
 * are read again when one has changed since the last request (its size or mtime), into one buffer
 * of their newest entries, so a workflow that crossed nodes shows whole.
 */
import { stat } from 'node:fs/promises';
import { isGap } from '../journal/record.js';
import { readJournal } from '../journal/read.js';
import type { ArborEvent } from '../runtime/event.js';
import type { WorkflowSource, WorkflowStep, WorkflowSummary } from './workflow-source.js';
import { WorkflowBuffer } from '../observability/workflow-buffer.js';

/** How many of a journal's newest correlated entries the view keeps. */
const JOURNAL_ENTRIES = 50_000;

export class JournalWorkflows implements WorkflowSource {
  readonly source = 'journal' as const;
  private loaded: { key: string; buffer: Promise<WorkflowBuffer> } | undefined;

  constructor(private readonly paths: readonly string[]) {}

  async list(): Promise<WorkflowSummary[]> {
    return (await this.buffer()).list();
  }

  async workflow(correlationId: string): Promise<WorkflowStep[]> {
    return (await this.buffer()).workflow(correlationId);
  }

  private async buffer(): Promise<WorkflowBuffer> {
    const stats = await Promise.all(this.paths.map((p) => stat(p)));
    const key = stats.map((s) => `${s.size}:${s.mtimeMs}`).join('|');
    if (this.loaded?.key !== key) this.loaded = { key, buffer: this.read() };
    return this.loaded.buffer;
  }

  private async read(): Promise<WorkflowBuffer> {
    const buffer = new WorkflowBuffer(JOURNAL_ENTRIES);
    for (const path of this.paths) {
      for await (const record of readJournal(path)) {
        if (isGap(record)) continue;
        const entry = { node: record.node, to: record.to, at: record.at, event: record.event as ArborEvent };
        buffer.append(record.from === undefined ? entry : { ...entry, from: record.from });
      }
    }
    return buffer;
  }
}
