/**
 * The life of a node script that a test starts as a child process (`node-process.ts`,
 * `chaos-node.ts`, the durable fixtures): it prints `ready <node>` once its system runs, shuts it
 * down gracefully on SIGTERM or when its stdin closes (the test ended or died), and a script whose
 * start failed exits 1 with the stack on stderr.
 */
import type { System } from '../../src/index.js';

/** Serves `system` until SIGTERM or the end of stdin, then shuts it down and exits 0. */
export function serveUntilStopped(system: System, node: string): void {
  const stop = () => void system.shutdown().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop).on('error', stop).resume();
  process.stdout.write(`ready ${node}\n`);
}

/** Runs the script's `main`; a failure is reported as `<name> failed: <stack>` and exits 1. */
export function runScript(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${name} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
