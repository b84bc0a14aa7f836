/**
 * Nil cost of observability without a tracer provider: `counting` and `ping-pong` on Arbor as it
 * ships (tracing and metrics hooks present, no provider registered, no `metrics` option) against
 * a build of the same sources where the hooks are cut out, in one process and one run.
 *
 * Both builds are made here, by the same esbuild call (packages external, no `keepNames`), from
 * `src/index.ts`; the second one's loader rewrites the hook sites (listed in {@link BYPASS}: the
 * per-send check in `Cell.tell`, the observed run-loop branch, the tracer plug-in and the tracer
 * calls of dead letters and reports) and fails if any site is not found exactly once, so the
 * scenario cannot silently measure two equal builds. Each side gets a fresh system per run. The
 * runs go in pairs (one of each side, alternating which goes first, a full GC before each), and
 * the ratio is the median of the pairs' ratios of CPU time: on a machine shared with other work,
 * load changes between pairs cancel out within a pair (the wall-time ratio is in the note). Ratio: hooked / bypassed rate (1.0: no cost; the issue
 * allows 3%).
 *
 * With `ARBOR_BENCH_OTEL=1` a provider is registered, and the hooked side pays for real spans:
 * that is the cost of tracing itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { createSystem } from '../src/index.js';
import { bundleAsShipped } from './bundle.js';
import { arborSide as countingSide } from './counting.js';
import { collectGarbage, median, timeOnce, type Result, type ScenarioOptions, type Side } from './harness.js';
import { arborSide as pingPongSide } from './ping-pong.js';

type CreateSystem = typeof createSystem;

/** Source rewrites of the bypassed build: file (from `src/`), text, replacement. Each must match once. */
export const BYPASS: readonly { file: string; from: string; to: string }[] = [
  { file: 'runtime/cell.ts', from: 'if (this.observed && displaced !== event) {', to: 'if (false) {' },
  { file: 'runtime/cell.ts', from: 'return this.observed ? this.processObserved(budget) : this.processUser(budget);', to: 'return this.processUser(budget);' },
  { file: 'runtime/actor-system.ts', from: 'this.tracer?.deadLettered(recipient, event, reason);', to: '' },
  { file: 'runtime/actor-system.ts', from: 'this.tracer?.reported(report);', to: '' },
  { file: 'create-system.ts', from: 'tracer: tracingEnabled() ? (system) => new OtelMessageTracer(system.node) : undefined,', to: 'tracer: undefined,' },
];

/** The repository root: the first folder up from here that holds `src/index.ts` (this file may run from a bundle in a cache). */
function root(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'src', 'index.ts'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('nil-cost: cannot find src/index.ts above the benchmark');
    dir = up;
  }
  return dir;
}

/** Builds `src/index.ts` (with the hooks cut out when `bypass`) and imports its `createSystem`. */
async function buildArbor(repo: string, name: 'hooked' | 'bypassed'): Promise<CreateSystem> {
  const outfile = join(repo, 'node_modules', '.cache', 'arbor-bench', 'nil-cost', `${name}.mjs`);
  const applied = new Map<(typeof BYPASS)[number], number>();
  await bundleAsShipped(join(repo, 'src', 'index.ts'), outfile, {
    plugins:
      name === 'bypassed'
        ? [
            {
              name: 'bypass-observability-hooks',
              setup(b) {
                b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
                  let text = readFileSync(args.path, 'utf8');
                  for (const site of BYPASS) {
                    if (resolve(repo, 'src', site.file) !== args.path) continue;
                    const count = text.split(site.from).length - 1;
                    applied.set(site, count);
                    text = text.replace(site.from, site.to);
                  }
                  return { contents: text, loader: 'ts' };
                });
              },
            },
          ]
        : [],
  });
  if (name === 'bypassed') {
    const missing = BYPASS.filter((site) => applied.get(site) !== 1);
    if (missing.length > 0) throw new Error(`nil-cost: hook sites not found exactly once (the sources changed): ${missing.map((s) => `${s.file}: ${s.from}`).join('; ')}`);
  }
  const mod = (await import(pathToFileURL(outfile).href)) as { createSystem: CreateSystem };
  return mod.createSystem;
}

/**
 * The CPU time (user + system, ms) of one run of `side`, and its wall time. CPU time is what the
 * ratio uses: on a machine whose cores other work shares, wall time mostly measures how long the
 * scheduler kept this process waiting, and CPU time the work the build did.
 */
async function timed(side: Side): Promise<{ cpu: number; wall: number }> {
  const { run, teardown } = await side.setup();
  collectGarbage();
  const before = process.cpuUsage();
  const wall = await timeOnce(run);
  const used = process.cpuUsage(before);
  await teardown?.();
  return { cpu: (used.user + used.system) / 1000, wall };
}

/** `rounds` pairs after `warmup` untimed pairs: the median rate of each side and the median of the pairs' ratios. */
async function paired(id: string, unit: string, count: number, hooked: Side, bypassed: Side, rounds: number, note: string): Promise<Result> {
  for (let i = 0; i < 2; i++) {
    await timed(hooked);
    await timed(bypassed);
  }
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  const wallRatios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0;
    const x = first ? await timed(hooked) : undefined;
    const y = await timed(bypassed);
    const h = x ?? (await timed(hooked));
    a.push(h.cpu);
    b.push(y.cpu);
    ratios.push(y.cpu / h.cpu);
    wallRatios.push(y.wall / h.wall);
  }
  const sorted = [...ratios].sort((p, q) => p - q);
  const quartiles = `CPU pair ratios p25 ${(sorted[Math.floor(rounds / 4)] as number).toFixed(3)} / p75 ${(sorted[Math.floor((3 * rounds) / 4)] as number).toFixed(3)}, wall ratio ${median(wallRatios).toFixed(3)}`;
  return {
    id,
    unit: `${unit} (CPU)`,
    arbor: count / (median(a) / 1000),
    baseline: count / (median(b) / 1000),
    baselineName: 'hooks cut out',
    ratio: median(ratios),
    target: 0.97,
    note: `${note}; n=${count}, ${rounds} alternating pairs, ${quartiles}`,
  };
}

export async function nilCost({ quick }: ScenarioOptions): Promise<Result[]> {
  const repo = root();
  const hooked = await buildArbor(repo, 'hooked');
  const bypassed = await buildArbor(repo, 'bypassed');
  const rounds = quick ? 15 : 41;
  const messages = quick ? 50_000 : 100_000;
  const trips = quick ? 10_000 : 20_000;
  const provider = process.env.ARBOR_BENCH_OTEL === '1' ? 'with a tracer provider' : 'no tracer provider';
  return [
    await paired('nil-cost counting', 'msgs/s', messages, countingSide(messages, hooked), countingSide(messages, bypassed), rounds, provider),
    await paired('nil-cost ping-pong', 'round trips/s', trips, pingPongSide(trips, hooked), pingPongSide(trips, bypassed), rounds, provider),
  ];
}
