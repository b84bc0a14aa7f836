/**
 * Issue 10, point 10: a node restarted under the same name must not take a stale exit of its old
 * process for the new child's. Owner `a` places child `w` on host `b`; `a` shuts down and a new
 * `a` starts under the same name and places `w` again. Its incarnation numbers start above the
 * old process's (they include the cell's creation time), so an `exit` carrying the old
 * incarnation, as `b` sends when it learns its old owner went down, is ignored. Before, both
 * processes numbered from 1 and the stale exit crashed the new child (one spurious restart).
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { supervisor, type SupervisorReport } from '../../src/index.js';
import type { Cell } from '../../src/runtime/cell.js';
import { encodeEnvelope } from '../../src/transport/codec.js';
import { Topology } from '../../src/transport/topology.js';
import { cleanupClusters, describeBroker, publishRaw, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';
import { collector, ledger } from '../support/acc.js';
import { ledgerOf } from '../cluster/ledger.js';

type WithCells = { _cellAt(path: string): Cell | undefined };

describeBroker('chaos: a node restarted under the same name', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('the new process numbers its remote children above the old one, and a stale exit of the old incarnation does not crash the new child', async () => {
    const cluster = uniqueCluster();
    const b = await startSystem('b', cluster, { rep: collector });
    const spawnOwner = async () => {
      const a = await startSystem('a', cluster);
      await waitFor('a to see b', () => a.nodes().some((n) => n.node === 'b'), 20_000);
      a.spawn(ledger, { id: 'ledger' });
      a.spawn(supervisor({ intensity: 5, children: [{ id: 'w', kind: 'rep', node: ['b'] }] }), { id: 'root' });
      const path = `${a.lookup('root')!.path}/w`;
      await waitFor('w hosted on b', () => b.describe().hosted.some((t) => t.path === path), 20_000);
      return { a, path, inc: (a as unknown as WithCells)._cellAt(path)!.incarnation };
    };
    const first = await spawnOwner();
    await first.a.shutdown();
    await waitFor('the old w to leave b', () => !b.describe().hosted.some((t) => t.path === first.path), 20_000);
    const second = await spawnOwner();
    expect(second.inc).toBeGreaterThan(first.inc);

    const reports: SupervisorReport[] = [];
    second.a.on('report', (r) => reports.push(r));
    const topology = new Topology(cluster);
    const stale = { op: 'exit', from: 'b', path: second.path, inc: first.inc, processed: 0, exit: { normal: false, error: { name: 'ArborError', message: 'stale exit of the old process', code: 'NODE_DOWN' } } };
    await publishRaw(topology.exchange, topology.envelopeKey('a', 'system', stale), encodeEnvelope({ id: 'stale-exit-1', to: 'arbor://a/$sys', kind: 'system', body: stale, sentAt: Date.now() }));
    // A message to a's ledger, published after the exit was confirmed: it is taken from a's queue
    // after the exit, so once the ledger has it, the exit was handed over too.
    const marker = { type: 'processed', id: 99, node: 'test' };
    await publishRaw(topology.exchange, topology.envelopeKey('a', 'user', marker), encodeEnvelope({ id: 'marker-1', to: second.a.lookup('ledger')!.path, kind: 'user', body: marker, sentAt: Date.now() }));
    await waitFor('the marker to reach the ledger', () => ledgerOf(second.a.lookup('ledger')!).ids.includes(99));
    await second.a.idle();
    expect(reports.filter((r) => r.kind === 'child_exited')).toEqual([]);
  }, 60_000);
});
