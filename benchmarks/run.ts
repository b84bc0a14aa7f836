/**
 * The benchmark runner: `npm run bench [-- --quick] [--source] [scenario ...]`.
 *
 * Runs each scenario (all, or those named), prints one aligned table with every figure beside
 * its baseline, the ratio (> 1: Arbor is better), the target and whether it is met, and writes
 * the rows to `benchmarks/results.json`: a full run writes them all; a run of named scenarios
 * replaces their rows and keeps the others. A scenario that could not run (the cross-node ones
 * without a broker) shows as skipped and leaves its previous rows as they were.
 *
 * Arbor is measured as it ships, compiled. Under tsx every TypeScript file is transpiled with
 * esbuild's `keepNames`, which wraps each function and class in a `__name(...)` call, so every
 * closure Arbor makes per actor or per message costs extra time and heap (about 1.5 KB per
 * spawned worker), a handicap the baselines (prebuilt JavaScript in node_modules) do not have.
 * So the runner, started from TypeScript, bundles itself with Arbor's sources (packages stay
 * external, no `keepNames`) into `benchmarks/node_modules/.cache/arbor-bench/run.mjs` and runs
 * that in a child process with `--expose-gc` (scenarios force full GCs between timed runs and
 * measure heap), keeping its other Node flags, such as `--cpu-prof`. `--source` skips the
 * bundle and runs the TypeScript sources under tsx instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAsShipped } from './bundle.js';
import { changes, changeTable, readSaved, type SavedRow } from './compare.js';
import { counting } from './counting.js';
import { crossNodeLatency } from './cross-node-latency.js';
import { crossNodeThroughput } from './cross-node-throughput.js';
import { durableOverhead, durableThroughput } from './durable-actors.js';
import { durableStore } from './durable-store.js';
import { failover } from './failover.js';
import { nilCost } from './nil-cost.js';
import type { Result, Scenario } from './harness.js';
import { peerBullmq } from './peer-bullmq.js';
import { pingPong } from './ping-pong.js';
import { poolScaling } from './pool-scaling.js';
import { poolThroughput } from './pool-throughput.js';
import { queueType } from './queue-type.js';
import { restartLatency } from './restart-latency.js';
import { singletonTakeover } from './singleton-takeover.js';
import { spawn } from './spawn.js';
import { threadRing } from './thread-ring.js';
import { workflowCheck } from './workflow-check.js';

const SCENARIOS: Record<string, Scenario> = {
  counting,
  'ping-pong': pingPong,
  'thread-ring': threadRing,
  spawn,
  'restart-latency': restartLatency,
  'cross-node-throughput': crossNodeThroughput,
  'cross-node-latency': crossNodeLatency,
  failover,
  'singleton-takeover': singletonTakeover,
  'queue-type': queueType,
  'durable-store': durableStore,
  'durable-throughput': durableThroughput,
  'durable-overhead': durableOverhead,
  'workflow-check': workflowCheck,
  'nil-cost': nilCost,
  'pool-scaling': poolScaling,
  'pool-throughput': poolThroughput,
  'peer-bullmq': peerBullmq,
};

const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** Where the bundle goes: a cache under node_modules, so git, tsc and eslint all pass it by. */
const BUILD_DIR = join('node_modules', '.cache', 'arbor-bench');
const HERE = dirname(fileURLToPath(import.meta.url));
/** This folder, `benchmarks/`, whether running from source or from the bundle. */
const BENCH_DIR = FROM_SOURCE ? HERE : resolve(HERE, '..', '..', '..');
const RESULTS_FILE = join(BENCH_DIR, 'results.json');
const BUNDLE = join(BENCH_DIR, BUILD_DIR, 'run.mjs');

interface Args {
  quick: boolean;
  names: string[];
  /** `--compare FILE`: an earlier results file to compare this run against. */
  compare?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const rest = [...argv];
  let compare: string | undefined;
  const at = rest.indexOf('--compare');
  if (at >= 0) {
    compare = rest[at + 1];
    if (compare === undefined || compare.startsWith('--')) throw new Error('--compare needs a results file (e.g. --compare old-results.json)');
    rest.splice(at, 2);
  }
  const quick = rest.includes('--quick');
  const names = rest.filter((a) => !a.startsWith('--'));
  const flags = rest.filter((a) => a.startsWith('--') && a !== '--quick' && a !== '--source');
  if (flags.length > 0) throw new Error(`unknown option(s): ${flags.join(', ')} (known: --quick, --source, --compare FILE)`);
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario(s): ${unknown.join(', ')} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  }
  return { quick, names: names.length > 0 ? names : Object.keys(SCENARIOS), ...(compare !== undefined ? { compare } : {}) };
}

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'ms') return value.toFixed(3);
  return Math.round(value).toLocaleString('en-US');
}

function status(r: Result): string {
  if (r.skipped) return r.skipped;
  if (r.target === undefined) return 'report';
  return r.ratio >= r.target ? 'met' : 'NOT MET';
}

function table(results: readonly Result[]): string {
  const header = ['scenario', 'unit', 'arbor', 'baseline', 'baseline is', 'ratio', 'target', 'status', 'note'];
  const rows = results.map((r) => [
    r.id,
    r.unit,
    r.skipped ? '-' : format(r.arbor, r.unit),
    r.skipped ? '-' : format(r.baseline, r.unit),
    r.baselineName,
    r.skipped ? '-' : r.ratio.toFixed(2),
    r.target === undefined ? '-' : `≥ ${r.target.toFixed(2)}`,
    status(r),
    r.note ?? '',
  ]);
  const numeric = new Set([2, 3, 5]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

type Row = Pick<Result, 'id' | 'unit' | 'arbor' | 'baseline' | 'baselineName' | 'ratio' | 'target'> & { met?: boolean };

/** The rows to write: this run's (skipped ones left out), and for a partial run the previous rows of the other scenarios. */
function rowsToWrite(results: readonly Result[], partial: boolean): Row[] {
  const fresh: Row[] = results
    .filter((r) => !r.skipped)
    .map(({ id, unit, arbor, baseline, baselineName, ratio, target }) => ({
      id,
      unit,
      arbor,
      baseline,
      baselineName,
      ratio,
      ...(target !== undefined ? { target, met: ratio >= target } : {}),
    }));
  if (!partial || !existsSync(RESULTS_FILE)) return fresh;
  const previous = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Row[];
  const byId = new Map(fresh.map((r) => [r.id, r]));
  const merged = previous.map((r) => byId.get(r.id) ?? r);
  for (const r of fresh) if (!previous.some((p) => p.id === r.id)) merged.push(r);
  return merged;
}

async function main(): Promise<void> {
  const { quick, names, compare } = parseArgs(process.argv.slice(2));
  if (process.env.ARBOR_BENCH_OTEL === '1') await registerTracerProvider();
  // Read before this run overwrites it, so `--compare benchmarks/results.json` compares with the last run.
  const earlier: SavedRow[] | undefined = compare !== undefined ? readSaved(compare) : undefined;
  const partial = names.length < Object.keys(SCENARIOS).length;
  const results: Result[] = [];
  const started = Date.now();
  for (const name of names) {
    const t0 = Date.now();
    process.stderr.write(`${name}${quick ? ' (quick)' : ''} ... `);
    results.push(...(await (SCENARIOS[name] as Scenario)({ quick })));
    process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  console.log(`\nArbor benchmarks${quick ? ' (--quick)' : ''}, Node ${process.version}, ${((Date.now() - started) / 1000).toFixed(1)} s; ratio > 1 means Arbor is better\n`);
  console.log(table(results));
  if (earlier && compare !== undefined) console.log(`\n${changeTable(changes(results, earlier), compare)}`);
  writeFileSync(RESULTS_FILE, `${JSON.stringify(rowsToWrite(results, partial), null, 2)}\n`);
  console.log(`\nwrote ${RESULTS_FILE}`);
  // Every scenario shuts its systems down; if a handle still keeps the process alive, say which.
  setTimeout(() => {
    console.error('benchmarks finished but the process is still alive:', process.getActiveResourcesInfo());
    process.exit(1);
  }, 10_000).unref();
}

/**
 * `ARBOR_BENCH_OTEL=1`: measures with an OpenTelemetry SDK tracer provider registered (spans are
 * made and recorded, then dropped: no exporter), to show what tracing costs.
 */
async function registerTracerProvider(): Promise<void> {
  const { trace } = await import('@opentelemetry/api');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  console.log('with an OpenTelemetry tracer provider registered (ARBOR_BENCH_OTEL=1)');
}

/** Bundles this runner, the scenarios and Arbor's sources into one ES module, without `keepNames`. */
async function bundle(): Promise<void> {
  await bundleAsShipped(fileURLToPath(import.meta.url), BUNDLE, { sourcemap: 'linked' });
}

/** Runs `script` (with the same arguments) in a child process with `--expose-gc`; resolves with its exit code. */
function reexec(script: string): number {
  const args = [...process.execArgv, '--expose-gc', script, ...process.argv.slice(2)];
  return spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
}

async function entry(): Promise<void> {
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  if (FROM_SOURCE && !process.argv.includes('--source')) {
    await bundle();
    process.exitCode = reexec(BUNDLE);
  } else if (!hasGc) {
    process.exitCode = reexec(fileURLToPath(import.meta.url));
  } else {
    await main();
  }
}

entry().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
