/**
 * SVG through `@viz-js/viz`: Graphviz compiled to WebAssembly, so rendering needs no `dot` binary
 * or any other program outside node_modules. The module embeds the WebAssembly binary (megabytes
 * to parse) and an instance is costly to create, so both happen on first use, once: importing
 * the diagrams (or starting the CLI) stays fast when no SVG is wanted.
 */
import type { Viz } from '@viz-js/viz';
import type { AnyStateMachine } from 'xstate';
import { ArborError } from '../runtime/errors.js';
import { toDot } from './dot.js';
import { MAX_ASPECT, rowsFor, wrapDot } from './wrap.js';
import type { Layout } from './wrap.js';

let shared: Promise<Viz> | undefined;

function viz(): Promise<Viz> {
  shared ??= import('@viz-js/viz').then((viz) => viz.instance());
  return shared;
}

declare module '../runtime/errors.js' {
  interface ErrorCodes {
    /** Graphviz could not render a diagram ({@link DiagramRenderError}). */
    RENDER_FAILED: 'diagrams';
  }
}

/** Rendering DOT failed; `code` is `'RENDER_FAILED'`, `messages` (and `details.messages`) are Graphviz's. */
export class DiagramRenderError extends ArborError {
  override name = 'DiagramRenderError';
  constructor(readonly messages: readonly string[]) {
    super('RENDER_FAILED', `Graphviz could not render the diagram: ${messages.join('; ') || 'no message'}`, { messages });
  }
}

/**
 * Renders DOT text to SVG text with Graphviz in WebAssembly. Throws {@link DiagramRenderError}
 * when Graphviz rejects the input.
 *
 * @example
 * import { dotToSvg, treeToDot } from 'arbor';
 * const svg = await dotToSvg(treeToDot(rootSupervisor));
 */
export async function dotToSvg(dot: string): Promise<string> {
  const result = (await viz()).render(dot, { format: 'svg' });
  if (result.status === 'failure') throw new DiagramRenderError(result.errors.map((e) => e.message));
  return result.output;
}

/**
 * Renders a machine as SVG: {@link toDot}'s graph laid out by Graphviz (in WebAssembly). A
 * layout much wider than high (a long chain of states) is wrapped into rows.
 *
 * @example
 * import { toSvg } from 'arbor';
 * await writeFile('order.svg', await toSvg(orderMachine));
 */
export async function toSvg(machine: AnyStateMachine): Promise<string> {
  const dot = toDot(machine);
  const layout = await layoutOf(dot);
  let best = { dot, aspect: aspectOf(layout) };
  // Rows interact (edges between them take room): try a few counts, keep the squarest.
  for (let rows = rowsFor(layout.width, layout.height); rows > 1 && rows <= MAX_ROWS && best.aspect > MAX_ASPECT; rows++) {
    const wrapped = wrapDot(dot, layout, rows);
    const aspect = aspectOf(await layoutOf(wrapped));
    if (Math.abs(Math.log(aspect)) < Math.abs(Math.log(best.aspect))) best = { dot: wrapped, aspect };
  }
  return dotToSvg(best.dot);
}

/** Most rows a wide layout is wrapped into. */
const MAX_ROWS = 6;

function aspectOf(layout: Layout): number {
  return layout.height > 0 ? layout.width / layout.height : 1;
}

/** Where Graphviz puts each node of `dot`, from its JSON output. */
async function layoutOf(dot: string): Promise<Layout> {
  const result = (await viz()).render(dot, { format: 'json' });
  if (result.status === 'failure') throw new DiagramRenderError(result.errors.map((e) => e.message));
  const json = JSON.parse(result.output) as { bb?: string; objects?: { name?: string; pos?: string }[] };
  const [, , width = 0, height = 0] = (json.bb ?? '0,0,0,0').split(',').map(Number);
  const x = new Map<string, number>();
  for (const o of json.objects ?? []) if (o.name !== undefined && o.pos !== undefined) x.set(o.name, Number(o.pos.split(',')[0]));
  return { x, width, height };
}
