/**
 * Text boxes of a Graphviz SVG, for layout tests: every `<text>` element with the box it covers,
 * estimated from its anchor point, font size and Helvetica's character widths (from its AFM
 * metrics, in thousandths of an em; characters not listed count as wide as an `m`, to err on the
 * side of finding overlaps).
 */

/** One label drawn in the SVG, with the box it covers (SVG coordinates, y down). */
export interface TextBox {
  readonly text: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const WIDTHS: Readonly<Record<string, number>> = {
  ...Object.fromEntries([...'abcdeghnopqu'].map((c) => [c, 556])),
  ...Object.fromEntries([...'ksvxyz'].map((c) => [c, 500])),
  ...Object.fromEntries([...'fjtI!'].map((c) => [c, 278])),
  ...Object.fromEntries([...'il'].map((c) => [c, 222])),
  ...Object.fromEntries([...'0123456789_#$'].map((c) => [c, 556])),
  ...Object.fromEntries([...'ABCDEFGHJKLNOPQRSTUVXYZ'].map((c) => [c, 722])),
  ...Object.fromEntries([...'.,:; '].map((c) => [c, 278])),
  ...Object.fromEntries([...'[]()'].map((c) => [c, 333])),
  ...Object.fromEntries([...'<>=+&'].map((c) => [c, 667])),
  r: 333,
  m: 833,
  w: 722,
  M: 833,
  W: 944,
};

function textWidth(text: string, size: number): number {
  return ([...text].reduce((sum, c) => sum + (WIDTHS[c] ?? 833), 0) / 1000) * size;
}

/** Every text element of `svg` with its estimated box. */
export function textBoxes(svg: string): TextBox[] {
  const boxes: TextBox[] = [];
  for (const match of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const attrs = match[1] ?? '';
    const text = decode(match[2] ?? '');
    const x = Number(/\sx="([-\d.]+)"/.exec(attrs)?.[1]);
    const y = Number(/\sy="([-\d.]+)"/.exec(attrs)?.[1]);
    const size = Number(/font-size="([\d.]+)"/.exec(attrs)?.[1] ?? '14');
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start';
    const width = textWidth(text, size);
    const left = anchor === 'middle' ? x - width / 2 : anchor === 'end' ? x - width : x;
    // The baseline is at y: glyphs rise about 0.75 em above it and descend 0.25 em below.
    boxes.push({ text, left, right: left + width, top: y - size * 0.75, bottom: y + size * 0.25 });
  }
  return boxes;
}

/** Pairs of boxes that overlap by more than `slack` in both directions. */
export function overlaps(boxes: readonly TextBox[], slack = 0.5): [TextBox, TextBox][] {
  const pairs: [TextBox, TextBox][] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i] as TextBox;
      const b = boxes[j] as TextBox;
      const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (dx > slack && dy > slack) pairs.push([a, b]);
    }
  }
  return pairs;
}

/** Width and height of the SVG, from its `viewBox`. */
export function svgSize(svg: string): { width: number; height: number } {
  const box = /viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"/.exec(svg);
  return { width: Number(box?.[1]), height: Number(box?.[2]) };
}

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
