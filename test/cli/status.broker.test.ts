import { afterAll, expect, it } from 'vitest';
import { AMQP_URL, cleanupClusters, describeBroker, uniqueCluster } from '../broker/broker.js';
import { arbor, spawnArbor, type RunningArbor } from './run-cli.js';

const running: RunningArbor[] = [];
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await cleanupClusters();
});

interface Tree {
  path: string;
  type: string;
  status: string;
  node: string;
  kind?: string;
  children?: Tree[];
}

describeBroker('arbor run and arbor status over RabbitMQ', () => {
  it('runs two nodes from modules, shows the tree across them, and stops both on SIGTERM', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const broker = ['--broker', AMQP_URL, '--cluster', cluster];
    const b = spawnArbor(['run', 'examples/run-service.ts', ...broker, '--node', 'b', '--wait', '0'], { DRAIN_MS: '20' });
    running.push(b);
    await b.waitFor(/arbor run: started/);
    // a listens 1.5 heartbeats before spawning its root, so it knows b hosts "ticker".
    const a = spawnArbor(['run', 'examples/run-cluster.ts', ...broker, '--node', 'a'], { DRAIN_MS: '20' });
    running.push(a);
    await a.waitFor(/"child":"remote","msg":"supervisor child_started"/);

    // Two observers at once: JSON and text.
    const [json, text] = await Promise.all([arbor(['status', ...broker, '--json']), arbor(['status', ...broker, '--wait', '1200'], { NO_COLOR: '1' })]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { transport: string; cluster: string; nodes: { node: string; kinds: string[] }[]; trees: { node: string; roots: Tree[]; hosted: Tree[] }[]; unreachable: string[] };
    expect(report.transport).toBe('rabbitmq');
    expect(report.unreachable).toEqual([]);
    // The observer node the command joined as is not reported.
    expect(report.nodes.map((n) => [n.node, n.kinds]).sort()).toEqual([['a', []], ['b', ['ticker']]]);
    const treeOf = (node: string) => report.trees.find((t) => t.node === node);
    expect(treeOf('a')?.roots).toEqual([
      expect.objectContaining({
        path: 'arbor://a/root',
        type: 'supervisor',
        node: 'a',
        children: [
          expect.objectContaining({ path: 'arbor://a/root/local', type: 'worker', status: 'running', node: 'a' }),
          expect.objectContaining({ path: 'arbor://a/root/remote', type: 'remote', node: 'b', kind: 'ticker' }),
        ],
      }),
    ]);
    expect(treeOf('b')?.hosted).toEqual([expect.objectContaining({ path: 'arbor://a/root/remote', type: 'worker', status: 'running', node: 'b' })]);

    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`2 nodes on cluster "${cluster}" (RabbitMQ)`);
    expect(text.stdout).toContain('  └─ remote  worker, placed remotely  running  @b  kind ticker');

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(a.stderr()).toContain('arbor run: stopped');
  });
});
