/** Diffs of rows: applying the diff of two trees to the first gives the second, and nothing more. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDiff, diffRows, isEmptyDiff } from '../../src/inspector/diff.js';
import type { Row } from '../../src/inspector/rows.js';

const paths = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `arbor://n/root/w${i}`));
const row: fc.Arbitrary<Row> = fc.record(
  {
    path: paths,
    parent: fc.constantFrom('node:n', 'arbor://n/root'),
    index: fc.nat(5),
    id: fc.constant('w'),
    type: fc.constantFrom('supervisor' as const, 'worker' as const, 'remote' as const),
    status: fc.constantFrom('running', 'restarting', 'stopped'),
    node: fc.constantFrom('n', 'm'),
    kind: fc.constantFrom('light', 'pump'),
    state: fc.constantFrom('green', 'yellow', 'a.b'),
    restarts: fc.nat(3),
    strategy: fc.constantFrom('one_for_one', 'rest_for_one'),
    mailbox: fc.record({ depth: fc.nat(4), oldestAge: fc.nat(100) }),
  },
  { requiredKeys: ['path', 'parent', 'index', 'id', 'type', 'status', 'node'] },
);
const rows = fc.array(row, { maxLength: 12 }).map((list) => new Map(list.map((r) => [r.path, r] as const)));

describe('row diffs', () => {
  it('turn the rows before into the rows after when applied', () => {
    fc.assert(
      fc.property(rows, rows, (before, after) => {
        const patched = applyDiff(new Map(before), diffRows(before, after));
        const sorted = (m: ReadonlyMap<string, Row>) => [...m.entries()].sort(([x], [y]) => x.localeCompare(y));
        expect(sorted(patched)).toEqual(sorted(after));
      }),
    );
  });

  it('carry only rows that are new or changed, and are empty between equal trees', () => {
    fc.assert(
      fc.property(rows, rows, (before, after) => {
        const diff = diffRows(before, after);
        for (const r of diff.upsert) expect(before.get(r.path)).not.toEqual(r);
        expect(diff.remove.every((p) => before.has(p) && !after.has(p))).toBe(true);
        expect(isEmptyDiff(diffRows(after, new Map(after)))).toBe(true);
      }),
    );
  });

  it('notice a change in any single field', () => {
    const base: Row = { path: 'arbor://n/r', parent: 'node:n', index: 0, id: 'r', type: 'worker', status: 'running', node: 'n', state: 'green', mailbox: { depth: 1, oldestAge: 5 } };
    const variants: Partial<Row>[] = [{ status: 'restarting' }, { state: 'red' }, { restarts: 1 }, { node: 'm' }, { index: 1 }, { mailbox: { depth: 1, oldestAge: 6 } }, { strategy: 'one_for_all' }, { kind: 'x' }];
    for (const change of variants) {
      const diff = diffRows(new Map([[base.path, base]]), new Map([[base.path, { ...base, ...change }]]));
      expect(diff.upsert).toHaveLength(1);
    }
  });
});
