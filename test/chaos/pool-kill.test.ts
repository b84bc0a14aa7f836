/**
 * A pool-serving node killed mid-call loses no call (issue 15's pool path): node `n1` (a child
 * process, 4 agents, calls of 400 ms) takes calls from the pool only as it has free agents and
 * acks each when its call has finished. It is SIGKILLed while calls run; the calls it held, and
 * all it had not taken, stay on the broker, and `n2`, started after, does them. Ledger on `a`:
 * every call answered, and only the calls in flight at the kill (at most n1's 4) answered twice.
 */
import { afterAll, expect, it } from 'vitest';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup, type AnyActorRef } from 'xstate';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess } from '../cluster/node-processes.js';

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'cluster', 'pool-node-process.ts');
const CALLS = 40;

describeBroker('chaos: a pool-serving node killed mid-call', () => {
  afterAll(async () => {
    await shutdownSystems();
    await killNodeProcesses();
    await cleanupClusters();
  });

  it('leaves its unfinished calls on the broker: every call is answered, only the ones in flight twice', { timeout: 120_000 }, async () => {
    const cluster = uniqueCluster();
    const a = await startSystem('a', cluster);
    const answers: number[] = [];
    const ledger = a.spawn(setup({ types: { events: {} as { type: 'done'; id: number } } }).createMachine({ on: { done: { actions: ({ event }) => void answers.push(event.id) } } }), { id: 'ledger' });
    process.env.ARBOR_POOL_WORKERS = '4';
    process.env.ARBOR_POOL_CALL_MS = '400';
    const n1 = await startNodeProcess({ node: 'n1', cluster, heartbeat: 250, script: SCRIPT, readyTimeout: 60_000 });
    const pool = a.poolRef('agents');
    for (let id = 1; id <= CALLS; id++) pool.send({ type: 'call', id, replyTo: ledger as unknown as AnyActorRef });
    await waitFor('n1 to answer some calls', () => answers.length >= 6, 60_000);
    await killNodeProcess(n1);
    const before = answers.length;
    await startNodeProcess({ node: 'n2', cluster, heartbeat: 250, script: SCRIPT, readyTimeout: 60_000 });
    await waitFor('every call answered', () => new Set(answers).size === CALLS, 90_000);
    expect([...new Set(answers)].sort((x, y) => x - y)).toEqual(Array.from({ length: CALLS }, (_, i) => i + 1));
    const duplicates = answers.length - CALLS;
    // Answered twice: only calls n1 was working on when it died (it never held more than its 4 agents).
    expect(duplicates).toBeLessThanOrEqual(4);
    expect(before).toBeLessThan(CALLS);
  });
});
