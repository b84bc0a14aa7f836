import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changes, changeTable, readSaved, type SavedRow } from '../../benchmarks/compare.js';
import type { Result } from '../../benchmarks/harness.js';

const result = (id: string, ratio: number, extra: Partial<Result> = {}): Result => ({ id, unit: 'msgs/s', arbor: ratio * 1000, baseline: 1000, baselineName: 'x', ratio, ...extra });
const saved = (id: string, ratio: number): SavedRow => ({ id, unit: 'msgs/s', arbor: ratio * 1000, baseline: 1000, ratio });

describe('bench --compare', () => {
  it('flags a ratio that dropped by more than 5% as worse and one that rose as better', () => {
    const rows = changes([result('a', 0.9), result('b', 1.2), result('c', 1.02)], [saved('a', 1.0), saved('b', 1.0), saved('c', 1.0)]);
    expect(rows.map((r) => [r.id, r.verdict])).toEqual([
      ['a', 'worse'],
      ['b', 'better'],
      ['c', 'same'],
    ]);
    expect(rows[0]?.ratioChange).toBeCloseTo(-0.1);
  });

  it('marks rows that are new in this run or skipped, and never divides by a missing ratio', () => {
    const rows = changes([result('new', 1), result('gone', NaN, { skipped: 'skipped (no broker)' })], [saved('gone', 2)]);
    expect(rows.map((r) => r.verdict)).toEqual(['new', 'skipped']);
    expect(rows.every((r) => r.ratioChange === undefined)).toBe(true);
  });

  it('prints a table that counts the regressions and names the earlier file', () => {
    const text = changeTable(changes([result('a', 0.5)], [saved('a', 1)]), 'old.json');
    expect(text).toContain('old.json');
    expect(text).toContain('1 ratio(s) got worse');
    expect(text).toMatch(/a\s+msgs\/s\s+1000\s+500\s+1\.00\s+0\.50\s+-50\.0%\s+WORSE/);
  });

  it('rejects a file that is not a results file, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbor-compare-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"not":"rows"}');
    expect(() => readSaved(file)).toThrow(/bad\.json is not a results file/);
    expect(() => readSaved(join(dir, 'missing.json'))).toThrow(/cannot read .*missing\.json/);
  });
});
