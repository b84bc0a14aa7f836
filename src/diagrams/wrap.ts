/**
 * Wrapping of wide layouts. A machine whose states form a long chain is laid out left to right
 * as one long row (a saga of eight steps: 3400 x 250 px). Like text, it reads better in rows:
 * given where a first layout put each node, the edges that cross a row boundary stop
 * constraining the rank (`constraint=false`), so that the next row starts over at the left, and
 * Graphviz stacks the rows. Only the layout changes; every state and edge stays.
 */

/** Width over height above which a layout is wrapped. */
export const MAX_ASPECT = 3;

/** The aspect ratio aimed at when choosing the number of rows. */
const TARGET_ASPECT = 1.6;

/** Node name → x coordinate of its centre, and the layout's size, from a first layout. */
export interface Layout {
  readonly x: ReadonlyMap<string, number>;
  readonly width: number;
  readonly height: number;
}

const EDGE = /^(\s*)("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*")(?: \[(.*)\])?;$/;

/** The rows a layout of this size wraps into (1: none). */
export function rowsFor(width: number, height: number): number {
  if (height <= 0 || width / height <= MAX_ASPECT) return 1;
  return Math.max(2, Math.round(Math.sqrt(width / height / TARGET_ASPECT)));
}

/**
 * `dot` (as written by `toDot`) with `constraint=false` on every edge that crosses one of the
 * `rows - 1` vertical boundaries of `layout` going right.
 */
export function wrapDot(dot: string, layout: Layout, rows: number): string {
  const bounds = Array.from({ length: rows - 1 }, (_, i) => (layout.width * (i + 1)) / rows);
  return dot
    .split('\n')
    .map((line) => {
      const match = EDGE.exec(line);
      if (!match) return line;
      const [, pad, tail = '', head = '', attrs] = match;
      const from = layout.x.get(JSON.parse(tail) as string);
      const to = layout.x.get(JSON.parse(head) as string);
      if (from === undefined || to === undefined || !bounds.some((b) => from < b && b <= to)) return line;
      return `${pad ?? ''}${tail} -> ${head} [${attrs ? `${attrs}, ` : ''}constraint=false];`;
    })
    .join('\n');
}
