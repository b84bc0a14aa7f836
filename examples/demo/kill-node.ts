/**
 * `--kill-node`: the publisher is a durable child (its state, the saga's included, committed to a
 * store every node shares: one SQLite file in `out/`, opened by each node process), and once its
 * saga has committed two completed steps, the owner SIGKILLs the node running it. The publisher
 * counts as crashed with `NODE_DOWN`, restarts on the other host and resumes mid-saga: the steps
 * whose completion was committed do not run again. Each saga step appends
 * `<node> <attempt> <step>` to a ledger file once done, which the summary prints.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { StateStore, System } from '../../src/index.js';
import type { HostProcess } from './cluster.js';

/** The ledger file of this process (set for the node processes with `--kill-node`). */
const LEDGER_ENV = 'DEMO_SAGA_LEDGER';
const NODE_ENV = 'DEMO_NODE';

export interface KillReport {
  /** The node SIGKILLed, and the publish attempt and steps committed when it was. */
  node: string;
  attempt: number;
  committed: string[];
  /** Where the publisher ran after (its host when the workflow ended). */
  resumedOn: string | undefined;
  /** `<node> <attempt> <step>` per step done, in order. */
  ledger: string[];
}

/** Environment for a node process that records its saga steps to `ledger`. */
export function ledgerEnv(ledger: string, node: string): Record<string, string> {
  return { [LEDGER_ENV]: ledger, [NODE_ENV]: node };
}

/** Records a saga step done in this process (a no-op without `--kill-node`). */
export function recordStep(attempt: number, step: string): void {
  const file = process.env[LEDGER_ENV];
  if (file) appendFileSync(file, `${process.env[NODE_ENV] ?? 'owner'} ${attempt} ${step}\n`);
}

export function readLedger(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

interface StoredPublisher {
  context?: { attempt?: number };
  children?: { saga?: { snapshot?: { context?: { completed?: string[] } } } };
}

/**
 * Watches the store until the publisher's saga has committed `after` completed steps, then
 * SIGKILLs the host running the publisher. Resolves with what it killed (or `undefined` if the
 * workflow ended first); `stop()` ends the watch.
 */
export function killWhenCommitted(system: System, store: StateStore, hosts: HostProcess[], after = 2): { done: Promise<Omit<KillReport, 'resumedOn' | 'ledger'> | undefined>; stop(): void } {
  let stopped = false;
  const path = `arbor://${system.node}/root/publisher`;
  const done = (async () => {
    while (!stopped) {
      const snapshot = (await store.load(path))?.snapshot as StoredPublisher | undefined;
      const committed = snapshot?.children?.saga?.snapshot?.context?.completed ?? [];
      if (committed.length >= after) {
        const node = hostOf(system);
        const host = hosts.find((h) => h.node === node);
        if (!host) return undefined;
        host.child.kill('SIGKILL');
        return { node: host.node, attempt: snapshot?.context?.attempt ?? 0, committed };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  })();
  return { done, stop: () => void (stopped = true) };
}

/** The node running the publisher now (its owner-side ref says where it is placed). */
export function hostOf(system: System): string | undefined {
  return (system.lookup('root/publisher')?.getSnapshot() as { node?: string } | undefined)?.node;
}
