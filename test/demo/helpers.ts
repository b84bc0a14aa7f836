/** Shared by the demo tests: a fresh output folder, and a summary without its timing-dependent parts. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoSummary } from '../../examples/demo/summary.js';

export const tempOut = (): Promise<string> => mkdtemp(join(tmpdir(), 'arbor-demo-'));

/** What must be the same for two runs with the same seed: everything but latencies, duration, ids and places. */
export function stable(s: DemoSummary): Omit<DemoSummary, 'latency' | 'durationMs' | 'correlationId' | 'out' | 'mode' | 'nodes'> & { samples: Record<string, number> } {
  const { latency, durationMs: _d, correlationId: _c, out: _o, mode: _m, nodes: _n, ...rest } = s;
  return { ...rest, samples: Object.fromEntries(Object.entries(latency).map(([stage, l]) => [stage, l.n])) };
}
