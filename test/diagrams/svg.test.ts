import { describe, expect, it } from 'vitest';
import { dotToSvg, toSvg } from '../../src/diagrams/index.js';
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
});
