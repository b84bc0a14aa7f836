import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { toDot, toMermaid, treeToDot, treeToMermaid } from '../../src/diagrams/index.js';
import { buggyMachine } from '../../examples/machines/buggy.js';
import { machines } from '../../examples/machines/index.js';
import tree from '../../examples/machines/tree.js';

// Golden files are reviewed by hand. Regenerate with UPDATE_GOLDEN=1 and read the diff.
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

async function matchesGolden(name: string, actual: string): Promise<void> {
  const file = fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
  if (UPDATE || !existsSync(file)) await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, 'utf8'));
}

const all: Record<string, AnyStateMachine> = { ...machines, buggy: buggyMachine };

describe('diagram output matches the reviewed golden files', () => {
  for (const [name, machine] of Object.entries(all)) {
    it(`renders the ${name} machine as the reviewed Mermaid diagram`, async () => {
      await matchesGolden(`${name}.mmd`, toMermaid(machine));
    });
    it(`renders the ${name} machine as the reviewed DOT graph`, async () => {
      await matchesGolden(`${name}.dot`, toDot(machine));
    });
  }
  it('renders the example supervision tree as the reviewed Mermaid flowchart', async () => {
    await matchesGolden('tree.mmd', treeToMermaid(tree));
  });
  it('renders the example supervision tree as the reviewed DOT graph', async () => {
    await matchesGolden('tree.dot', treeToDot(tree));
  });
});
