/**
 * Bundles a benchmark entry with Arbor's sources as Arbor ships: one ES module for Node 20,
 * packages external, and no esbuild `keepNames` (whose `__name(...)` wrappers cost every
 * closure time and heap that the prebuilt baselines do not pay; see run.ts).
 */
import type { BuildOptions } from 'esbuild';

export async function bundleAsShipped(entry: string, outfile: string, extra: BuildOptions = {}): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    keepNames: false,
    logLevel: 'warning',
    ...extra,
  });
}
