/**
 * Failure detection against real processes: a SIGKILLed node is known down at once (the broker
 * saw its connection close and handed its presence token to a watcher), while a node frozen for
 * 2 s (SIGSTOP, then SIGCONT: its connection stays open, it just stops beating) stays up under
 * the default 1 s heartbeat. Both with three nodes, so the goodbye a watcher sends on the dead
 * node's behalf is seen by the node that did not receive the token too.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { cleanupClusters, describeBroker, startNode, stopAll, uniqueCluster, waitFor } from '../broker/broker.js';
import { killNodeProcess, killNodeProcesses, startNodeProcess } from './node-processes.js';

describeBroker('failure detection with real processes', () => {
  afterEach(async () => {
    await killNodeProcesses();
    await stopAll();
  });
  afterAll(cleanupClusters);

  it('knows a SIGKILLed node is down on every node from the broker, long before its heartbeats could tell', async () => {
    const cluster = uniqueCluster();
    const { host: a } = await startNode('a', cluster, { heartbeat: 1000 });
    const { host: c } = await startNode('c', cluster, { heartbeat: 1000 });
    const b = await startNodeProcess({ node: 'b', cluster, heartbeat: 1000 });
    // b's second beat names its presence queue once it holds the token; give the watches time to attach.
    await waitFor('a and c to see b', () => a.ups.some((u) => u.node === 'b') && c.ups.some((u) => u.node === 'b'));
    await new Promise((r) => setTimeout(r, 1500));
    const killedAt = Date.now();
    await killNodeProcess(b);
    await waitFor('a and c to see b go down', () => a.downs.includes('b') && c.downs.includes('b'), 3000);
    const tookMs = Date.now() - killedAt;
    process.stderr.write(`SIGKILL -> down on both peers: ${tookMs} ms\n`);
    // The heartbeats alone would take their silence limit (about 3.5 s at a 1 s heartbeat): a
    // third of that can only be the broker's word. (Measured about 10-40 ms; the bound leaves room for a loaded machine.)
    expect(tookMs).toBeLessThan(1200);
    expect(a.downs).toEqual(['b']);
    expect(c.downs).toEqual(['b']);
  });

  it('keeps a node whose process is frozen for 2 s up, and sees it beat again after', async () => {
    const cluster = uniqueCluster();
    const { host: a } = await startNode('a', cluster, { heartbeat: 1000 });
    const b = await startNodeProcess({ node: 'b', cluster, heartbeat: 1000 });
    await waitFor('a to see b', () => a.ups.some((u) => u.node === 'b'));
    // Several steady beats first, so the detector has learned b's rhythm.
    await new Promise((r) => setTimeout(r, 5000));
    b.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 2000));
    b.child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 3000));
    expect(a.downs).toEqual([]);
    expect(a.ups.filter((u) => u.node === 'b')).toHaveLength(1);
  });
});
