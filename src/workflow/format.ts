/**
 * Prints a workflow failure as a timeline: one line per step (who received what, which fault
 * struck, the state the actor was left in), then the state of every worker at the failure.
 */
import type { Step, WorkflowFailure, WorkflowReport } from './types.js';

function describeStep(s: Step): string {
  switch (s.kind) {
    case 'input':
      return `input     → ${s.to}  ${JSON.stringify(s.event)}`;
    case 'turn':
      return `turn      ${s.actor}${s.node === 'a' ? '' : `@${s.node}`}  ← ${s.event}${s.state === undefined ? '' : `  ⇒ ${s.state}`}`;
    case 'crash':
      return `CRASH     ${s.actor}${s.node === 'a' ? '' : `@${s.node}`}  ✗ while processing ${s.event}`;
    case 'deliver':
      return `deliver   ${s.from} → ${s.to}  ${s.message}`;
    case 'duplicate':
      return `DUPLICATE ${s.from} → ${s.to}  ${s.message} (delivered, and again later)`;
    case 'timer':
      return `timer     fired on ${s.node}`;
    case 'nodeDown':
      return `NODE DOWN ${s.node}`;
    case 'nodeUp':
      return `NODE UP   ${s.node}`;
    case 'partition':
      return `PARTITION ${s.node} cut off from the broker`;
    case 'heal':
      return `HEAL      ${s.node} reconnected`;
  }
}

/** The timeline of one failure, as lines of text. */
export function formatTimeline(failure: WorkflowFailure): string {
  const lines: string[] = [];
  const what = failure.name === undefined ? failure.kind : `${failure.kind} "${failure.name}"`;
  lines.push(`${what}: ${failure.message ?? ''} (seed ${failure.seed}, ${failure.schedule.length} steps)`);
  const width = String(failure.schedule.length).length;
  failure.schedule.forEach((s, i) => {
    lines.push(`  ${String(i + 1).padStart(width)}  t=${String(s.at).padEnd(6)} ${describeStep(s)}`);
  });
  const states = Object.entries(failure.states);
  if (states.length > 0) {
    lines.push('  states at the failure:');
    const w = Math.max(...states.map(([p]) => p.length));
    for (const [p, st] of states) lines.push(`    ${p.padEnd(w)}  ${st}`);
  }
  return lines.join('\n');
}

/** A whole report as text: a verdict line, then each failure's timeline. */
export function formatWorkflowReport(report: WorkflowReport): string {
  const s = report.stats;
  const head = `${report.ok ? 'ok  ' : 'FAIL'} workflow ${report.name}: ${s.runs} runs, ${s.steps} steps, ${s.faults} faults${report.ok ? '' : `, shrunk ${s.shrinks} times`}`;
  return [head, ...report.failures.map((f) => formatTimeline(f).replace(/^/gm, '  '))].join('\n');
}
