/**
 * A redrive killed halfway (a real SIGKILL of the CLI process) loses nothing and doubles nothing:
 * a ledger of what the recipient processed plus what is left on the dead-letter queue accounts
 * for every entry, and a second redrive finishes the job with each entry processed exactly once.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { supervisor } from '../../src/index.js';
import type { DlqEntry } from '../../src/transport/dlq.js';
import { arbor, spawnArbor } from '../cli/run-cli.js';
import { brokenWorker } from '../support/broken-worker.js';
import { AMQP_URL, cleanupClusters, describeBroker, queueDepth, shutdownSystems, startSystem, uniqueCluster, waitFor, waitForDepth } from './broker.js';

const N = 300;

describeBroker('arbor dlq redrive, killed halfway', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('loses no entry and processes none twice when the CLI is SIGKILLed mid-redrive and run again', { timeout: 90_000 }, async () => {
    const cluster = uniqueCluster();
    const b = await startSystem('b', cluster);
    const state = { broken: true, processed: [] as string[] };
    b.spawn(supervisor({ intensity: 10 * N, children: [{ id: 'w', logic: brokenWorker(state) }] }), { id: 'root' });
    const ids = Array.from({ length: N }, (_, i) => `job-${i}`);
    for (const id of ids) b.lookup('root/w')!.send({ type: 'work', correlationId: id });
    const deadQueue = `arbor.${cluster}.dead`;
    await waitForDepth(deadQueue, N);
    state.broken = false;

    const flags = ['--broker', AMQP_URL, '--cluster', cluster];
    const cli = spawnArbor(['dlq', 'redrive', ...flags, '--rate', '150']);
    await waitFor('the redrive to be under way', () => state.processed.length >= 40, 30_000);
    cli.child.kill('SIGKILL');
    expect(await cli.exited).toBe(128 + 9);
    const processedAtKill = state.processed.length;
    expect(processedAtKill).toBeLessThan(N);

    // The ledger: every entry was either processed or is back on the queue once the broker has
    // seen the connection go (some may be both: confirmed, not yet acknowledged).
    let left: DlqEntry[] = [];
    for (let i = 0; i < 50; i++) {
      left = (JSON.parse((await arbor(['dlq', 'list', ...flags, '--json'])).stdout) as { entries: DlqEntry[] }).entries;
      if (new Set([...state.processed, ...left.map((e) => e.correlationId!)]).size === N) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(new Set([...state.processed, ...left.map((e) => e.correlationId!)]).size).toBe(N);
    expect(left.length).toBeGreaterThan(0);

    const again = await arbor(['dlq', 'redrive', ...flags, '--json']);
    expect(again.code).toBe(0);
    await waitFor('every entry to be processed', () => state.processed.length >= N, 30_000);
    await b.idle();
    // Exactly once: an entry confirmed before the kill but not acknowledged was resent with the
    // same derived id, and the node dropped it as a duplicate.
    expect([...state.processed].sort()).toEqual([...ids].sort());
    expect(await queueDepth(deadQueue)).toBe(0);
  });
});
