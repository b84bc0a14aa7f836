/**
 * `--compare FILE`: this run's figures against an earlier `results.json`, so a regression is seen
 * at a glance. Ratios are compared rather than raw figures, because a ratio is measured against a
 * baseline in the same run and so cancels most of the machine's own drift (load, thermal state,
 * another process); the raw Arbor figure is shown beside it for context.
 */
import { readFileSync } from 'node:fs';
import type { Result } from './harness.js';

/** A row of `results.json`, as `run.ts` writes it. */
export interface SavedRow {
  id: string;
  unit: string;
  arbor: number;
  baseline: number;
  ratio: number;
}

/** A ratio that moved by more than this fraction is flagged (better or worse). */
export const NOTABLE_CHANGE = 0.05;

/** Reads an earlier results file; throws with the file named when it cannot. */
export function readSaved(file: string): SavedRow[] {
  let rows: unknown;
  try {
    rows = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--compare: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(rows)) throw new Error(`--compare: ${file} is not a results file (an array of rows)`);
  return rows.filter((r): r is SavedRow => typeof r === 'object' && r !== null && typeof (r as SavedRow).id === 'string' && typeof (r as SavedRow).ratio === 'number');
}

/** One comparison line's cells. */
export interface Change {
  id: string;
  unit: string;
  before?: SavedRow;
  now: Result;
  /** `now.ratio / before.ratio - 1`; `undefined` when the row is new or skipped. */
  ratioChange?: number;
  verdict: 'better' | 'worse' | 'same' | 'new' | 'skipped';
}

/** Pairs each of this run's results with the earlier row of the same id. */
export function changes(now: readonly Result[], before: readonly SavedRow[]): Change[] {
  const byId = new Map(before.map((r) => [r.id, r]));
  return now.map((r) => {
    const prev = byId.get(r.id);
    if (r.skipped) return { id: r.id, unit: r.unit, ...(prev ? { before: prev } : {}), now: r, verdict: 'skipped' };
    if (!prev || !(prev.ratio > 0)) return { id: r.id, unit: r.unit, now: r, verdict: 'new' };
    const ratioChange = r.ratio / prev.ratio - 1;
    const verdict = ratioChange > NOTABLE_CHANGE ? 'better' : ratioChange < -NOTABLE_CHANGE ? 'worse' : 'same';
    return { id: r.id, unit: r.unit, before: prev, now: r, ratioChange, verdict };
  });
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

/** The comparison as an aligned text table. */
export function changeTable(rows: readonly Change[], file: string): string {
  const header = ['scenario', 'unit', 'arbor before', 'arbor now', 'ratio before', 'ratio now', 'change', ''];
  const body = rows.map((c) => [
    c.id,
    c.unit,
    fmt(c.before?.arbor, c.unit === 'ms' ? 3 : 0),
    c.verdict === 'skipped' ? '-' : fmt(c.now.arbor, c.unit === 'ms' ? 3 : 0),
    fmt(c.before?.ratio, 2),
    c.verdict === 'skipped' ? '-' : fmt(c.now.ratio, 2),
    c.ratioChange === undefined ? '-' : `${c.ratioChange >= 0 ? '+' : ''}${(c.ratioChange * 100).toFixed(1)}%`,
    c.verdict === 'worse' ? 'WORSE' : c.verdict === 'better' ? 'better' : c.verdict === 'same' ? '' : c.verdict,
  ]);
  const numeric = new Set([2, 3, 4, 5, 6]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  const worse = rows.filter((c) => c.verdict === 'worse').length;
  return [
    `Against ${file} (ratios compared; a change beyond ±${NOTABLE_CHANGE * 100}% is flagged): ${worse === 0 ? 'no ratio got worse' : `${worse} ratio(s) got worse`}`,
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n');
}
