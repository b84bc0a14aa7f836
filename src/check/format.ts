/** Plain-text rendering of check reports, shared by `assertMachine` and the CLI. */
import type { EventObject } from 'xstate';
import type { CheckFailure, CheckReport } from './types.js';

/**
 * A report as readable lines: a header, then one block per failure with its state and its
 * counterexample (`inc → add {"qty":3}`).
 *
 * @example
 * import { checkMachine, formatReport } from 'arbor';
 * process.stdout.write(formatReport(await checkMachine(machine)));
 */
export function formatReport(report: CheckReport): string {
  const { statesExplored, exhaustive, runs } = report.stats;
  const scope = `${statesExplored} states explored${exhaustive ? ' (exhaustive)' : ''}, ${runs} runs, seed ${report.seed}`;
  const notes = report.notes.map((note) => `  note: ${note}`);
  if (report.ok) return [`✓ ${report.name}: ok (${scope})`, ...notes].join('\n') + '\n';
  const count = `${report.failures.length} failure${report.failures.length === 1 ? '' : 's'}`;
  return [`✗ ${report.name}: ${count} (${scope})`, ...report.failures.flatMap(formatFailure), ...notes].join('\n') + '\n';
}

/**
 * `JSON.stringify` replacer for reports: an `Error` (a simulated actor failure in a
 * counterexample) becomes `{ name, message }` instead of `{}`.
 */
export function reportReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

function formatFailure(failure: CheckFailure): string[] {
  const head = `  ${failure.kind}: ${firstLine(failure.message ?? '')}`;
  const lines = [head];
  if (failure.kind !== 'unreachable' && failure.state) lines.push(`    in state: ${failure.state}`);
  if (failure.kind !== 'unreachable') lines.push(`    events: ${formatEvents(failure.events)}`);
  return lines;
}

/** A counterexample on one line: event types, with payloads as JSON; `(none)` when empty. */
export function formatEvents(events: readonly EventObject[]): string {
  if (events.length === 0) return '(none: the initial state)';
  return events.map(formatEvent).join(' → ');
}

function formatEvent(event: EventObject): string {
  const { type, ...payload } = event;
  if (Object.keys(payload).length === 0) return type;
  let json: string;
  try {
    json = JSON.stringify(payload, reportReplacer);
  } catch {
    json = '{…}';
  }
  return `${type} ${json}`;
}

// XState's guard errors span lines ("Unable to evaluate guard ...:\n<cause>"); keep both parts.
function firstLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' / ');
}
