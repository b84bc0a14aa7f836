import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DiagramRenderError, dotToSvg, toSvg } from '../../src/diagrams/index.js';
import { orderMachine } from '../../examples/machines/order.js';
import { ArborError } from '../../src/runtime/errors.js';
import { machines } from '../../examples/machines/index.js';

describe('toSvg', () => {
  it('renders the traffic light as an SVG document naming every state', async () => {
    const svg = await toSvg(machines.trafficLight);
    expect(svg).toMatch(/<svg[\s>]/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const state of ['operating', 'cars', 'green', 'yellow', 'red', 'pedestrians', 'dontWalk', 'waiting', 'walk', 'flashing', 'off']) {
      expect(svg).toContain(`>${state}</text>`);
    }
  });

  it('rejects DOT that Graphviz cannot parse with a RENDER_FAILED error', async () => {
    await expect(dotToSvg('digraph {')).rejects.toMatchObject({ code: 'RENDER_FAILED' });
  });

  it('makes DiagramRenderError an ArborError with Graphviz messages in its details', async () => {
    const error = await dotToSvg('digraph {').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagramRenderError);
    expect(error).toBeInstanceOf(ArborError);
    expect((error as DiagramRenderError).details['messages']).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it('keeps docs/order.svg, shown in the README, the current rendering of the order machine', async () => {
    const committed = await readFile(fileURLToPath(new URL('../../docs/order.svg', import.meta.url)), 'utf8');
    expect(committed).toBe(await toSvg(orderMachine));
  });
});
