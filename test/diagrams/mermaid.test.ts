import { describe, expect, it } from 'vitest';
import { and, createMachine, not, or, stateIn } from 'xstate';
import { toDot, toMermaid } from '../../src/diagrams/index.js';

const tricky = createMachine(
  {
    id: 'tricky',
    initial: 'a',
    on: { RESET: '.a' },
    states: {
      a: {
        initial: 'idle',
        states: { idle: { on: { go: { guard: or(['x', not('y')]), target: 'busy' } } }, busy: {} },
        on: { next: { target: 'b', guard: and(['x', 'y']) } },
      },
      b: {
        initial: 'idle',
        states: { idle: { on: { poke: { actions: () => undefined } } }, hist: { type: 'history', history: 'deep' } },
        always: { guard: stateIn('#tricky.a.busy'), target: 'a' },
        after: { SLOW: 'a' },
      },
    },
  },
  { guards: { x: () => true, y: () => false }, delays: { SLOW: 1000 } },
);

describe('toMermaid', () => {
  it('gives states that share a key distinct ids and still shows the key', () => {
    const text = toMermaid(tricky);
    expect(text).toContain('state "idle" as tricky_a_idle');
    expect(text).toContain('state "idle" as tricky_b_idle');
  });

  it('labels combined guards, stateIn guards, named delays and eventless transitions', () => {
    const text = toMermaid(tricky);
    expect(text).toContain('tricky_a_idle --> busy : go [x || !y]');
    expect(text).toContain('a --> b : next [x && y]');
    expect(text).toContain('b --> a : always [in tricky.a.busy]');
    expect(text).toContain('b --> a : after SLOW');
  });

  it('draws a targetless transition as a self-loop and a root transition outside the root block', () => {
    const text = toMermaid(tricky);
    expect(text).toContain('tricky_b_idle --> tricky_b_idle : poke');
    expect(text.split('\n').at(-2)).toBe('  tricky --> a : RESET');
  });

  it('shows history states with their kind', () => {
    expect(toMermaid(tricky)).toContain('state "hist (H*)" as hist');
    expect(toDot(tricky)).toContain('label="H*", shape=circle, xlabel="hist"');
  });

  it('escapes characters that Mermaid would read as syntax in labels', () => {
    const machine = createMachine({ id: 'm', initial: 'a', states: { a: { on: { 'x;y#z': 'a' } } } });
    expect(toMermaid(machine)).toContain('a --> a : x#59;y#35;z');
  });
});

/** The id of the label node reading `label` in DOT text. */
function labelNode(dot: string, label: string): string {
  const match = new RegExp(`^\\s*("[^"]*#label\\d+") \\[shape=plaintext[^\\n]*label="${label.replace(/[[\]|&]/g, '\\$&')}"\\];$`, 'm').exec(dot);
  if (!match?.[1]) throw new Error(`no label node "${label}" in\n${dot}`);
  return match[1];
}

describe('toDot', () => {
  it('ends edges into a compound state at its cluster border, through the label node', () => {
    const dot = toDot(tricky);
    const label = labelNode(dot, 'next [x && y]');
    expect(dot).toContain(`"tricky.a#anchor" -> ${label} [arrowhead=none, ltail="cluster_tricky.a"];`);
    expect(dot).toContain(`${label} -> "tricky.b#anchor" [lhead="cluster_tricky.b"];`);
  });

  it('draws a root transition into an inner state from the root cluster border, not from its initial-state dot', () => {
    const dot = toDot(tricky);
    const label = labelNode(dot, 'RESET');
    expect(dot).toContain(`"tricky#anchor" -> ${label} [arrowhead=none, ltail="cluster_tricky"];`);
    expect(dot).toContain(`${label} -> "tricky.a#anchor" [lhead="cluster_tricky.a"];`);
    // The label lies outside the root cluster, so the edge leaves the cluster and comes back in.
    expect(dot.indexOf(`  ${label} [`)).toBeGreaterThan(dot.lastIndexOf('\n  }\n'));
  });

  it('draws a targetless transition of a compound state as a loop from its cluster border, not from its initial-state dot', () => {
    const machine = createMachine({ id: 'm', initial: 'a', states: { a: { initial: 'x', states: { x: {} }, on: { tick: { actions: () => undefined } } } } });
    const dot = toDot(machine);
    const label = labelNode(dot, 'tick');
    expect(dot).toContain(`"m.a#anchor" -> ${label} [arrowhead=none, ltail="cluster_m.a"];`);
    expect(dot).toContain(`${label} -> "m.a#anchor" [lhead="cluster_m.a"];`);
  });
});
