/** The end-of-run summary: built from the workflow's record, the supervisor reports, the budget and the journals. */
import type { Stage } from './plan.js';
import { STAGES } from './plan.js';
import type { TokenAccounts } from './agents.js';
import type { Outcome, WorkflowOutput } from './planner.js';
import type { KillReport } from './kill-node.js';
import type { PublishAttempt } from './publisher.js';
import { painter } from './view.js';

export interface LatencyStats {
  n: number;
  p50: number;
  p99: number;
}

export interface DemoSummary {
  seed: number;
  mode: 'local' | 'cluster';
  nodes: string[];
  outcome: Outcome;
  reason?: string;
  url?: string;
  correlationId: string;
  events: {
    /** User events delivered to mailboxes on every node (the journals), by type. */
    delivered: number;
    byType: Record<string, number>;
    /** Events in the workflow's causation trace (requests and answers the planner saw). */
    traced: number;
  };
  restarts: number;
  crashes: { agent: string; reason: string }[];
  researchFailures: WorkflowOutput['researchFailures'];
  saga: { attempts: PublishAttempt[]; compensations: number };
  budget: { limit: number; used: number; stages: Record<Stage, { limit: number; used: number; reported: number }> };
  latency: Record<Stage, LatencyStats>;
  out: string;
  files: string[];
  durationMs: number;
  /** With `--trace`: the workflow's spans as waterfall lines. */
  trace?: string[];
  /** With `--kill-node`: the node killed mid-saga, where the saga resumed, and the steps' ledger. */
  kill?: KillReport;
}

/** Nearest-rank percentile of `values` (0 for none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface SummaryInput {
  seed: number;
  nodes: string[];
  workflow: WorkflowOutput;
  accounts: TokenAccounts;
  restarts: number;
  crashes: DemoSummary['crashes'];
  eventTypes: string[];
  out: string;
  files: string[];
  durationMs: number;
}

export function buildSummary(i: SummaryInput): DemoSummary {
  const byType: Record<string, number> = {};
  for (const t of [...i.eventTypes].sort()) byType[t] = (byType[t] ?? 0) + 1;
  const attempts = i.workflow.publish?.attempts ?? [];
  const s: DemoSummary = {
    seed: i.seed,
    mode: i.nodes.length > 1 ? 'cluster' : 'local',
    nodes: i.nodes,
    outcome: i.workflow.outcome,
    correlationId: i.workflow.correlationId,
    events: { delivered: i.eventTypes.length, byType, traced: i.workflow.trace.length },
    restarts: i.restarts,
    crashes: i.crashes,
    researchFailures: i.workflow.researchFailures,
    saga: { attempts, compensations: attempts.reduce((n, a) => n + a.compensated.length, 0) },
    budget: {
      limit: i.accounts.total.limit,
      used: i.accounts.total.used,
      stages: Object.fromEntries(STAGES.map((st) => [st, { limit: i.accounts.stages[st].limit, used: i.accounts.stages[st].used, reported: i.workflow.tokens[st] }])) as DemoSummary['budget']['stages'],
    },
    latency: Object.fromEntries(STAGES.map((st) => [st, { n: i.workflow.samples[st].length, p50: percentile(i.workflow.samples[st], 50), p99: percentile(i.workflow.samples[st], 99) }])) as Record<Stage, LatencyStats>,
    out: i.out,
    files: i.files,
    durationMs: Math.round(i.durationMs),
  };
  if (i.workflow.reason !== undefined) s.reason = i.workflow.reason;
  if (i.workflow.publish?.url !== undefined) s.url = i.workflow.publish.url;
  return s;
}

/** The saga steps (not compensations, which retry by design) the ledger shows run more than once in one attempt, as `<attempt> <step>`. */
export function repeatedSteps(ledger: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const l of ledger) {
    const key = l.split(' ').slice(1).join(' ');
    if (!key.includes(' undo_')) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}

/** The summary as the terminal shows it. */
export function formatSummary(s: DemoSummary, color: boolean): string {
  const paint = painter(color);
  const tone = s.outcome === 'published' ? 'ok' : s.outcome === 'compensated' ? 'warn' : 'bad';
  const row = (label: string, text: string) => `  ${paint('bold', label.padEnd(14))}${text}`;
  const lines = [
    '',
    `${paint('bold', 'Summary')}  seed ${s.seed} · ${s.mode} (${s.nodes.join(', ')}) · ${(s.durationMs / 1000).toFixed(2)} s · workflow ${s.correlationId.slice(0, 8)}`,
    row('outcome', paint(tone, `${s.outcome}${s.url ? `  ${s.url}` : ''}${s.reason ? `  (${s.reason})` : ''}`)),
    row('events', `${s.events.delivered} delivered to mailboxes (${Object.entries(s.events.byType).map(([t, n]) => `${t} ${n}`).join(', ')}); ${s.events.traced} in the workflow's causation trace`),
    row('restarts', `${s.restarts}${s.crashes.map((c) => `  ${c.agent}: ${c.reason}`).join('')}`),
  ];
  for (const f of s.researchFailures) lines.push(row('', `research on ${f.agent} failed on attempt ${f.attempt}, retried after the restart`));
  lines.push(row('compensations', String(s.saga.compensations)));
  for (const a of s.saga.attempts) {
    const undone = a.compensated.length ? `; undid ${a.compensated.join(' → ')}` : '';
    lines.push(row('', `publish attempt ${a.attempt}: ${a.status}${a.failedStep ? ` at ${a.failedStep} (${a.reason})` : ''}${undone}`));
  }
  lines.push(row('latency', `${'stage'.padEnd(10)}${'n'.padStart(3)}${'p50'.padStart(9)}${'p99'.padStart(9)}`));
  for (const st of STAGES) {
    const l = s.latency[st];
    lines.push(row('', `${st.padEnd(10)}${String(l.n).padStart(3)}${`${l.p50} ms`.padStart(9)}${`${l.p99} ms`.padStart(9)}`));
  }
  lines.push(row('tokens', `${s.budget.used} of ${s.budget.limit}: ${STAGES.map((st) => `${st} ${s.budget.stages[st].used}/${s.budget.stages[st].limit}`).join(', ')}`));
  if (s.kill) {
    const k = s.kill;
    lines.push(row('kill-node', `SIGKILLed ${k.node} during publish attempt ${k.attempt}, with ${k.committed.join(', ')} committed; the saga resumed on ${k.resumedOn ?? '?'}`));
    const again = repeatedSteps(k.ledger);
    lines.push(row('', `saga ledger (node attempt step, each step as it ran): steps run twice: ${again.length === 0 ? 'none' : `${again.join(', ')} (running at the kill: at least once)`}`));
    for (const l of k.ledger) lines.push(row('', `  ${l}`));
  }
  if (s.trace && s.trace.length > 0) {
    lines.push(row('trace', `the workflow's spans (offset, duration, span, actor @node); all spans in ${s.out}/spans-*.jsonl`));
    for (const l of s.trace) lines.push(row('', l));
  }
  lines.push(row('files', `${s.out}/  ${s.files.join(' ')}`), '');
  return lines.join('\n');
}
