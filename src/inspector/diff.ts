/**
 * Diffs between two sets of rows: what the server sends on each tick instead of the whole tree.
 * `applyDiff(before, diffRows(before, after))` equals `after` (a property test holds it to that);
 * a row counts as changed when any of its fields differs.
 */
import type { Row } from './rows.js';

/** The change from one tick to the next. */
export interface RowDiff {
  /** Rows that are new or changed, whole. */
  upsert: Row[];
  /** Paths that are gone. */
  remove: string[];
}

/** What changed from `before` to `after`. */
export function diffRows(before: ReadonlyMap<string, Row>, after: ReadonlyMap<string, Row>): RowDiff {
  const upsert: Row[] = [];
  const remove: string[] = [];
  for (const [path, row] of after) {
    const old = before.get(path);
    if (old === undefined || !sameRow(old, row)) upsert.push(row);
  }
  for (const path of before.keys()) if (!after.has(path)) remove.push(path);
  return { upsert, remove };
}

/** `rows` with `diff` applied (in place); returns `rows`. */
export function applyDiff(rows: Map<string, Row>, diff: RowDiff): Map<string, Row> {
  for (const path of diff.remove) rows.delete(path);
  for (const row of diff.upsert) rows.set(row.path, row);
  return rows;
}

/** True when the diff changes nothing. */
export function isEmptyDiff(diff: RowDiff): boolean {
  return diff.upsert.length === 0 && diff.remove.length === 0;
}

function sameRow(a: Row, b: Row): boolean {
  return (
    a.parent === b.parent &&
    a.index === b.index &&
    a.id === b.id &&
    a.type === b.type &&
    a.status === b.status &&
    a.node === b.node &&
    a.kind === b.kind &&
    a.state === b.state &&
    a.restarts === b.restarts &&
    a.strategy === b.strategy &&
    a.mailbox?.depth === b.mailbox?.depth &&
    a.mailbox?.oldestAge === b.mailbox?.oldestAge
  );
}
