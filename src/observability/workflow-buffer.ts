/**
 * A bounded live buffer of journal entries that carry a correlation id, for the workflow view:
 * the newest `capacity` entries are kept (older ones fall off), grouped by correlation id. Entries
 * arrive in acceptance order per node; a workflow's events are shown in that order, merged across
 * nodes by time (the journal's causal order within a node, the clock's across nodes).
 */
import { correlationOf } from '../runtime/event.js';
import type { JournalEntry, JournalSink } from '../runtime/journal.js';
import type { WorkflowSource, WorkflowStep, WorkflowSummary } from '../inspector/workflow-source.js';

/** The node query (`ActorSystem._queries`) a node's buffer answers: a workflow's steps by correlation id, or (no id) the list. */
export const WORKFLOW_QUERY = 'workflow';

/** Events a node keeps when it serves an inspector (see `workflowBuffer`). */
export const DEFAULT_WORKFLOW_BUFFER = 10_000;

export class WorkflowBuffer implements JournalSink, WorkflowSource {
  readonly source = 'live' as const;
  private readonly steps: Array<WorkflowStep & { correlationId: string }> = [];
  private seq = 0;

  constructor(
    private readonly capacity = 10_000,
    /** The journal the system was given, if any: every entry goes on to it. */
    private readonly next?: JournalSink,
  ) {}

  append(entry: JournalEntry): void {
    this.next?.append(entry);
    const correlationId = correlationOf(entry.event);
    if (correlationId === undefined) return;
    const event = entry.event as { type: string; id?: unknown; causationId?: unknown };
    const step: WorkflowStep & { correlationId: string } = { seq: ++this.seq, at: entry.at, node: entry.node, to: entry.to, type: event.type, correlationId };
    if (entry.from !== undefined) step.from = entry.from;
    if (typeof event.id === 'string') step.id = event.id;
    if (typeof event.causationId === 'string') step.causationId = event.causationId;
    this.steps.push(step);
    // Trim in chunks: one splice per tenth of the capacity instead of one shift per entry.
    if (this.steps.length > this.capacity * 1.1) this.steps.splice(0, this.steps.length - this.capacity);
  }

  async close(): Promise<void> {
    await this.next?.close?.();
  }

  /** The workflows in the buffer, most recently active first, at most `limit`. */
  list(limit = 200): WorkflowSummary[] {
    const byId = new Map<string, WorkflowSummary>();
    for (const s of this.steps) {
      const w = byId.get(s.correlationId);
      if (w) {
        // Entries of several nodes (or journal files) need not arrive in time order.
        w.steps++;
        if (s.at > w.last) w.last = s.at;
        if (s.at < w.first) w.first = s.at;
      } else byId.set(s.correlationId, { correlationId: s.correlationId, steps: 1, first: s.at, last: s.at });
    }
    return [...byId.values()].sort((a, b) => b.last - a.last).slice(0, limit);
  }

  /** The steps of one workflow in causal order. */
  workflow(correlationId: string): WorkflowStep[] {
    return this.steps
      .filter((s) => s.correlationId === correlationId)
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map(({ correlationId: _omit, ...step }) => step);
  }
}
