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

let shared: Promise<Viz> | undefined;

function viz(): Promise<Viz> {
  shared ??= import('@viz-js/viz').then((viz) => viz.instance());
  return shared;
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
 * Renders a machine as SVG: {@link toDot}'s graph laid out by Graphviz (in WebAssembly).
 *
 * @example
 * import { toSvg } from 'arbor';
 * await writeFile('order.svg', await toSvg(orderMachine));
 */
export async function toSvg(machine: AnyStateMachine): Promise<string> {
  return dotToSvg(toDot(machine));
}
