/**
 * Diagrams for the page: the DOT text of a machine (drawn by the node that runs it) rendered to
 * SVG here with `src/diagrams`. The page highlights the current state itself, so one SVG per
 * machine serves every actor running it: they are cached by their DOT text.
 */
import { dotToSvg } from '../diagrams/svg.js';

const CACHE = 64;
const cache = new Map<string, Promise<string>>();

/** The SVG of `dot`, rendered once. */
export function diagramSvg(dot: string): Promise<string> {
  let svg = cache.get(dot);
  if (!svg) {
    svg = dotToSvg(dot);
    svg.catch(() => cache.delete(dot));
    cache.set(dot, svg);
    if (cache.size > CACHE) cache.delete(cache.keys().next().value as string);
  }
  return svg;
}
