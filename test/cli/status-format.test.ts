import { describe, expect, it } from 'vitest';
import { createSystem, supervisor } from '../../src/index.js';
import { acc } from '../support/acc.js';
import { formatStatus, type StatusReport } from '../../src/cli/status-format.js';
import type { Io } from '../../src/cli/io.js';

const plain: Io = { out: () => undefined, err: () => undefined, color: false };
const NOW = 10_000;

const report: StatusReport = {
  transport: 'rabbitmq',
  cluster: 'demo',
  nodes: [
    { node: 'b', kinds: ['acc'], lastSeen: 9_700 },
    { node: 'a', kinds: [], lastSeen: 10_000 },
  ],
  trees: [
    {
      node: 'a',
      roots: [
        {
          path: 'arbor://a/root',
          id: 'root',
          type: 'supervisor',
          status: 'running',
          node: 'a',
          children: [
            { path: 'arbor://a/root/local', id: 'local', type: 'worker', status: 'running', node: 'a' },
            { path: 'arbor://a/root/w1', id: 'w1', type: 'remote', status: 'running', node: 'b', kind: 'acc' },
            { path: 'arbor://a/root/w2', id: 'w2', type: 'remote', status: 'restarting', node: '', kind: 'acc' },
          ],
        },
      ],
      hosted: [],
    },
    {
      node: 'b',
      roots: [],
      hosted: [
        {
          path: 'arbor://a/root/w1',
          id: 'w1',
          type: 'supervisor',
          status: 'running',
          node: 'b',
          children: [{ path: 'arbor://a/root/w1/x', id: 'x', type: 'worker', status: 'running', node: 'b' }],
        },
        { path: 'arbor://c/root/z', id: 'z', type: 'worker', status: 'running', node: 'b' },
      ],
    },
  ],
  unreachable: ['c'],
};

describe('arbor status output', () => {
  it('draws each tree whole, with children placed on other nodes shown as their host reports them', () => {
    expect(formatStatus(report, plain, NOW)).toBe(
      [
        '2 nodes on cluster "demo" (RabbitMQ)',
        '  a  kinds: -  seen 0.0 s ago',
        '  b  kinds: acc  seen 0.3 s ago',
        'unreachable: c (did not answer in time)',
        '',
        'a',
        '  arbor://a/root  supervisor  running  @a',
        '  ├─ local  worker  running  @a',
        '  ├─ w1  supervisor, placed remotely  running  @b  kind acc',
        '  │  └─ x  worker  running  @b',
        '  └─ w2  remote  restarting  @(no node)  kind acc',
        '',
        'b',
        '  (no root actors)',
        '',
        'hosted for supervisors not shown above',
        '  arbor://c/root/z  worker  running  @b',
        '',
      ].join('\n'),
    );
  });

  it('says when it shows only its own process, and colours statuses only on a terminal', () => {
    const single: StatusReport = { transport: 'in-memory', nodes: [{ node: 'n', kinds: [], lastSeen: NOW }], trees: [{ node: 'n', roots: [], hosted: [] }], unreachable: [] };
    expect(formatStatus(single, plain, NOW)).toMatch(/^1 node on embedded transport \(this process only; pass --broker to see a cluster\)\n/);
    expect(formatStatus(report, plain, NOW)).not.toContain('\u001b[');
    const coloured = formatStatus(report, { ...plain, color: true }, NOW);
    expect(coloured).toContain('\u001b[32mrunning\u001b[0m');
    expect(coloured).toContain('\u001b[31mrestarting\u001b[0m');
  });

  it('marks the root of a cluster singleton under the node that runs it', () => {
    const report: StatusReport = {
      transport: 'rabbitmq',
      nodes: [{ node: 'c', kinds: [], lastSeen: NOW }],
      trees: [{ node: 'c', roots: [{ path: 'arbor://$singleton/books', id: 'books', type: 'worker', status: 'running', node: 'c', singleton: true }], hosted: [] }],
      unreachable: [],
    };
    expect(formatStatus(report, plain, NOW)).toContain('arbor://$singleton/books  worker, singleton  running  @c\n');
  });

  it('shows a placed child that no node hosts yet as waiting for a node, not running', () => {
    const waiting: StatusReport = {
      transport: 'rabbitmq',
      nodes: [{ node: 'a', kinds: [], lastSeen: NOW }],
      trees: [{ node: 'a', roots: [{ path: 'arbor://a/root', id: 'root', type: 'supervisor', status: 'running', node: 'a', children: [{ path: 'arbor://a/root/w', id: 'w', type: 'remote', status: 'running', node: '', kind: 'acc', restarts: 0 }] }], hosted: [] }],
      unreachable: [],
    };
    const text = formatStatus(waiting, plain, NOW);
    expect(text).toContain('  └─ w  remote  waiting for a node  kind acc  restarts 0\n');
    expect(text).not.toContain('(no node)');
  });

  it("shows each worker's state value, mailbox depth and restarts, as a live system describes them", async () => {
    const system = await createSystem({ node: 'n', logger: false });
    try {
      system.spawn(supervisor({ intensity: 5, children: [{ id: 'w', logic: acc }] }), { id: 'root' });
      await system.idle();
      system.lookup('root/w')!.send({ type: 'crash' });
      await system.idle();
      const tree = system.describe();
      expect(tree.roots[0]?.children?.[0]).toMatchObject({ id: 'w', state: 'running', restarts: 1 });
      const text = formatStatus({ transport: 'in-memory', nodes: system.nodes(), trees: [tree], unreachable: [] }, plain, NOW);
      expect(text).toContain('  └─ w  worker  running  @n  state running  restarts 1\n');
    } finally {
      await system.shutdown();
    }
  });
});
