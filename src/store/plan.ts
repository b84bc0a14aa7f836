/**
 * How a batch collapses per path for a set-based write: the paths some change deletes, and per
 * path the puts after its last delete (applied as one upsert of the last record, counting one
 * revision each). Skipped changes (fenced) are `undefined` and take no part.
 */
import type { StateChange } from './StateStore.js';

/** The puts of one path that survive the batch, by batch index, in order. */
export interface PathPuts {
  path: string;
  writes: number[];
  /** The index of the last put: its record is the one stored. */
  last: number;
}

export interface BatchPlan {
  /** Paths to delete before the upserts, sorted. */
  deleted: string[];
  /** One entry per path with surviving puts, sorted by path (a fixed lock order across transactions). */
  puts: PathPuts[];
  /** Where batch index `i` stands among its path's surviving puts, or undefined (a delete, a skipped or superseded put). */
  revisionIndex(i: number): { k: number; n: number } | undefined;
}

export function groupByPath(changes: readonly (StateChange | undefined)[]): BatchPlan {
  const byPath = new Map<string, { deleted: boolean; writes: number[] }>();
  changes.forEach((change, i) => {
    if (!change) return;
    const path = change.op === 'put' ? change.record.path : change.path;
    let entry = byPath.get(path);
    if (!entry) byPath.set(path, (entry = { deleted: false, writes: [] }));
    if (change.op === 'delete') {
      entry.deleted = true;
      entry.writes = [];
    } else {
      entry.writes.push(i);
    }
  });
  const paths = [...byPath.keys()].sort();
  const puts: PathPuts[] = [];
  const position = new Map<number, { k: number; n: number }>();
  for (const path of paths) {
    const { writes } = byPath.get(path) as { writes: number[] };
    if (writes.length === 0) continue;
    puts.push({ path, writes, last: writes[writes.length - 1] as number });
    writes.forEach((index, k) => position.set(index, { k, n: writes.length }));
  }
  return {
    deleted: paths.filter((p) => byPath.get(p)?.deleted),
    puts,
    revisionIndex: (i) => position.get(i),
  };
}
