import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { createMachine } from 'xstate';
import { toDot, toMermaid, toSvg } from '../../src/diagrams/index.js';
import { machines as demo } from '../../examples/demo/diagrams.js';
import { buggyMachine } from '../../examples/machines/buggy.js';
import { machines } from '../../examples/machines/index.js';
import { ticTacToe, tiles } from '../check/corpus/games.js';
import { bookLending, trivia } from '../check/corpus/planted.js';
import { heartbeat, player, uploader } from '../check/corpus/structure.js';
import { creditCheck, flightBooker } from '../check/corpus/workflows.js';
import { overlaps, svgSize, textBoxes } from './svg-boxes.js';

const corpus: Record<string, AnyStateMachine> = {
  ...machines,
  buggy: buggyMachine,
  ...demo,
  flightBooker,
  creditCheck,
  ticTacToe,
  tiles,
  player,
  heartbeat,
  uploader,
  bookLending,
  trivia,
};

const svgs = new Map<string, string>();
async function svgOf(name: string): Promise<string> {
  const known = svgs.get(name);
  if (known !== undefined) return known;
  const svg = await toSvg(corpus[name] as AnyStateMachine);
  svgs.set(name, svg);
  return svg;
}

describe('SVG layout of the corpus machines', { timeout: 60_000 }, () => {
  for (const name of Object.keys(corpus)) {
    it(`draws no text of the ${name} diagram over another`, async () => {
      const clashes = overlaps(textBoxes(await svgOf(name))).map(([a, b]) => `"${a.text}" / "${b.text}"`);
      expect(clashes).toEqual([]);
    });

    it(`keeps the ${name} diagram within a 3:1 aspect ratio`, async () => {
      const { width, height } = svgSize(await svgOf(name));
      expect(Math.max(width / height, height / width)).toBeLessThanOrEqual(3);
    });
  }
});

/** Bounding box of every number pair in an SVG path or polygon. */
function bbox(d: string): { left: number; right: number; top: number; bottom: number } {
  const points = [...d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys) };
}

/** Where the drawn edge from `tail` to the label node reading `label` starts. */
function edgeStart(svg: string, tail: string, label: string, dot: string): [number, number] {
  const escaped = label.replace(/[[\]()|&.*+?^$]/g, '\\$&');
  const labelId = new RegExp(`"([^"]*#label\\d+)" \\[[^\\n]*label="${escaped}"\\]`).exec(dot)?.[1] ?? '';
  const title = `${tail}&#45;&gt;${labelId}`;
  const group = svg.slice(svg.indexOf(`<title>${title}</title>`));
  const start = /<path[^>]* d="M(-?[\d.]+),(-?[\d.]+)/.exec(group);
  return [Number(start?.[1]), Number(start?.[2])];
}

describe('edges of transitions defined on compound or root states', { timeout: 60_000 }, () => {
  const cases = [
    ['tiles', 'tiles', 'SHUFFLE [hasMoved]'],
    ['creditCheck', 'creditCheck', 'CANCEL'],
  ] as const;
  for (const [name, state, label] of cases) {
    it(`leave the ${name} ${state} state's border, not its initial-state dot (${label})`, async () => {
      const svg = await svgOf(name);
      const dot = toDot(corpus[name] as AnyStateMachine);
      const [x, y] = edgeStart(svg, `${state}#anchor`, label, dot);
      const cluster = bbox(/<title>cluster_[^<]*<\/title>\s*<path[^>]* d="([^"]+)"/.exec(svg.slice(svg.indexOf(`<title>cluster_${state}</title>`)))?.[1] ?? '');
      const onBorder = [Math.abs(x - cluster.left), Math.abs(x - cluster.right), Math.abs(y - cluster.top), Math.abs(y - cluster.bottom)];
      expect(Math.min(...onBorder)).toBeLessThan(3);
      const dotAt = /<title>[^<]*#anchor<\/title>\s*<ellipse[^>]* cx="(-?[\d.]+)" cy="(-?[\d.]+)"/.exec(svg.slice(svg.indexOf(`<title>${state}#anchor</title>`)));
      expect(Math.hypot(x - Number(dotAt?.[1]), y - Number(dotAt?.[2]))).toBeGreaterThan(10);
    });
  }
});

describe('edge labels', () => {
  it('name done and error edges after the invoke id, the src name or the invoking state, never a generated id', () => {
    const labels = (m: AnyStateMachine): string[] => [...toDot(m).matchAll(/shape=plaintext[^\n]*label="([^"]*)"/g)].map((x) => x[1] ?? '');
    expect(labels(flightBooker)).toEqual(expect.arrayContaining(['done: booking', 'error: booking']));
    expect(labels(creditCheck)).toEqual(expect.arrayContaining(['done: fetchUser', 'error: fetchUser', 'done: querying', 'done: fetching']));
    expect(labels(demo['publishSaga'] as AnyStateMachine)).toEqual(expect.arrayContaining(['done: run_reserve_slot']));
    for (const m of Object.values(corpus)) {
      for (const label of labels(m)) expect(label).not.toMatch(/xstate\.|\b\d+\.[\w.]+\.[\w.]+/);
    }
  });

  it('show short anonymous guards by their text and give long ones distinct numbers', () => {
    const machine = createMachine({
      id: 'anon',
      initial: 'a',
      context: { n: 0 },
      states: {
        a: {
          always: [
            { guard: ({ context }) => context.n > 2, target: 'b' },
            {
              guard: ({ context }) => {
                const limit = 10;
                return context.n > limit;
              },
              target: 'b',
            },
            {
              guard: ({ context }) => {
                const limit = 20;
                return context.n > limit;
              },
              target: 'b',
            },
          ],
        },
        b: {},
      },
    });
    const text = toMermaid(machine);
    expect(text).toContain('a --> b : always [context.n > 2]');
    expect(text).toContain('a --> b : always [guard 1]');
    expect(text).toContain('a --> b : always [guard 2]');
  });
});

describe('Mermaid parallel states', () => {
  it('draw history nodes inside a region, not as extra regions', () => {
    const text = toMermaid(player);
    const block = text.slice(text.indexOf('state on {'), text.indexOf('\n  }', text.indexOf('state on {')));
    expect(block.split('\n').filter((line) => line.trim() === '--')).toHaveLength(1);
    expect(block).toContain('hist');
  });
});
