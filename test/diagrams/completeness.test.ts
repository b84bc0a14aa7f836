import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { toDot, toMermaid } from '../../src/diagrams/index.js';
import { buggyMachine } from '../../examples/machines/buggy.js';
import { machines } from '../../examples/machines/index.js';

const all: Record<string, AnyStateMachine> = { ...machines, buggy: buggyMachine };

// Read straight from the configs, not from the diagram code's own walk, so the two can disagree.
function stateKeys(node: AnyStateNode): string[] {
  return Object.entries(node.config.states ?? {}).flatMap(([key]) => [key, ...stateKeys(node.states[key] as AnyStateNode)]);
}

function eventNames(node: AnyStateNode): string[] {
  const own = [...Object.keys(node.config.on ?? {}), ...Object.keys(node.config.after ?? {}).map((ms) => `after ${ms}ms`)];
  return [...own, ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(eventNames)];
}

function finalKeys(node: AnyStateNode): string[] {
  return Object.values(node.states as Record<string, AnyStateNode>).flatMap((child) => [...(child.type === 'final' ? [child.key] : []), ...finalKeys(child)]);
}

describe('every state and every event of each example machine appears in its diagrams', () => {
  for (const [name, machine] of Object.entries(all)) {
    it(`the ${name} Mermaid diagram names every state and labels every event`, () => {
      const text = toMermaid(machine);
      for (const key of stateKeys(machine.root)) expect(text).toMatch(new RegExp(`(^|[\\s"])${key}([\\s"]|$)`, 'm'));
      for (const event of eventNames(machine.root)) expect(text).toContain(`: ${event}`);
    });

    it(`the ${name} Mermaid diagram marks every final state with an arrow to [*]`, () => {
      const text = toMermaid(machine);
      for (const key of finalKeys(machine.root)) expect(text).toContain(`${key} --> [*]`);
    });

    it(`the ${name} DOT graph names every state and labels every event`, () => {
      const text = toDot(machine);
      for (const key of stateKeys(machine.root)) expect(text).toContain(`"${key}"`);
      for (const event of eventNames(machine.root)) expect(text).toMatch(new RegExp(`label="${event}( \\[[^\\]]*\\])?"`));
    });
  }
});
