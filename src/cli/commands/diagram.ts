/**
 * `arbor diagram <module>`: one file per machine of the module's `machines`, plus `tree.*` when
 * its default export is a supervisor (or supervisor options). Trees are drawn in the same format
 * as machines: Mermaid flowchart, or DOT (and SVG from it) through `treeToDot`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { dotToSvg, isSupervisorLike, isSupervisorSpecLike, toDot, toMermaid, toSvg, treeToDot, treeToMermaid } from '../../diagrams/index.js';
import { onePositional, parse } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import type { Io } from '../io.js';
import { loadModule, machinesOf } from '../load-module.js';

const FORMATS = ['mermaid', 'dot', 'svg'] as const;
type Format = (typeof FORMATS)[number];
const EXTENSION: Record<Format, string> = { mermaid: 'mmd', dot: 'dot', svg: 'svg' };

const HELP = `Usage: arbor diagram <module> [--format mermaid|dot|svg] [--out DIR] [--json]

Writes one diagram per machine in the module's "machines" export (<name>.mmd, .dot or .svg) and,
when its default export is a supervisor spec, one of the supervision tree (tree.mmd, .dot, .svg).

Options:
  --format F   mermaid (default), dot, or svg (Graphviz in WebAssembly; no programs needed)
  --out DIR    directory to write to (default: ./diagrams; created if missing)
  --json       print {"files": [...]} instead of one path per line
  -h, --help   show this help
`;

export const diagramCommand: Command = {
  name: 'diagram',
  summary: 'write state-machine and supervision-tree diagrams (Mermaid, DOT, SVG)',
  help: HELP,
  run,
};

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { format: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' } });
  const format = parseFormat(values.format);
  const path = onePositional(positionals, 'module');
  const mod = await loadModule(path);
  const machines = machinesOf(mod, path) ?? {};
  const tree = isSupervisorLike(mod['default']) || isSupervisorSpecLike(mod['default']) ? mod['default'] : undefined;
  if (Object.keys(machines).length === 0 && tree === undefined) {
    throw new CliError('INVALID_MODULE', `${path} exports neither "machines" nor a supervisor spec as default`);
  }
  const outDir = values.out ?? 'diagrams';
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const [name, machine] of Object.entries(machines)) files.push(await write(outDir, fileName(name), await renderMachine(machine, format), format));
  if (tree !== undefined) files.push(await write(outDir, 'tree', await renderTree(tree, format), format));
  io.out(values.json ? JSON.stringify({ files }) + '\n' : files.map((f) => `${f}\n`).join(''));
  return EXIT.OK;
}

function parseFormat(value: string | undefined): Format {
  if (value === undefined) return 'mermaid';
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new CliError('USAGE', `--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
}

// Machine names come from object keys: keep them recognisable but safe as file names.
function fileName(name: string): string {
  return name.replace(/[^\w.-]/g, '_');
}

async function renderMachine(machine: AnyStateMachine, format: Format): Promise<string> {
  if (format === 'mermaid') return toMermaid(machine);
  // toSvg, not dotToSvg(toDot()): it wraps a long chain of states into rows.
  return format === 'dot' ? toDot(machine) : toSvg(machine);
}

async function renderTree(tree: unknown, format: Format): Promise<string> {
  if (format === 'mermaid') return treeToMermaid(tree);
  const dot = treeToDot(tree);
  return format === 'dot' ? dot : dotToSvg(dot);
}

async function write(dir: string, name: string, text: string, format: Format): Promise<string> {
  const file = join(dir, `${name}.${EXTENSION[format]}`);
  await writeFile(file, text);
  return file;
}
