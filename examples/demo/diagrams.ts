/** Diagrams of the demo's machines (Mermaid and SVG) and of its supervision tree, drawn from the definitions that ran. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { dotToSvg, toMermaid, toSvg, treeToDot, treeToMermaid } from '../../src/index.js';
import { researcher, reviewer, treasury, writer } from './agents.js';
import { gatherResearch, planner } from './planner.js';
import { publishSaga, publisher } from './publisher.js';

/** The demo's machines by name: what `arbor diagram` and `arbor check` would read. */
export const machines: Record<string, AnyStateMachine> = { planner, gatherResearch, researcher, writer, reviewer, publisher, publishSaga, treasury };

/** Writes `<name>.mmd` and `<name>.svg` per machine, and `tree.mmd` / `tree.svg`; returns the file names. */
export async function writeDiagrams(dir: string, tree: unknown): Promise<string[]> {
  const files: [string, string][] = [];
  for (const [name, machine] of Object.entries(machines)) {
    files.push([`${name}.mmd`, toMermaid(machine)], [`${name}.svg`, await toSvg(machine)]);
  }
  files.push(['tree.mmd', treeToMermaid(tree)], ['tree.svg', await dotToSvg(treeToDot(tree))]);
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, name), text)));
  return files.map(([name]) => name);
}
