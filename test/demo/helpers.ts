/** Shared by the demo tests: a fresh output folder, `npm start` as a child process, and a summary without its timing-dependent parts. */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoSummary } from '../../examples/demo/summary.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `npm start`'s entry with `args`, as npm does (not on a terminal). */
export function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/main.ts', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

export const tempOut = (): Promise<string> => mkdtemp(join(tmpdir(), 'arbor-demo-'));

/** What must be the same for two runs with the same seed: everything but latencies, duration, ids and places. */
export function stable(s: DemoSummary): Omit<DemoSummary, 'latency' | 'durationMs' | 'correlationId' | 'out' | 'mode' | 'nodes'> & { samples: Record<string, number> } {
  const { latency, durationMs: _d, correlationId: _c, out: _o, mode: _m, nodes: _n, ...rest } = s;
  return { ...rest, samples: Object.fromEntries(Object.entries(latency).map(([stage, l]) => [stage, l.n])) };
}
