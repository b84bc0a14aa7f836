/**
 * The live workflow view across nodes: the page of node a shows a workflow's events accepted on
 * b and c (each node's workflow buffer, asked over the status protocol), merged in time order;
 * and the merge itself, on hand-made parts.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mergeSteps, mergeSummaries } from '../../src/inspector/cluster-workflows.js';
import type { WorkflowStep, WorkflowSummary } from '../../src/inspector/index.js';
import { relay } from '../support/relay.js';
import { cleanupClusters, describeBroker, shutdownSystems, startSystem, uniqueCluster, waitFor } from '../broker/broker.js';

describe('merging the nodes’ parts of workflows', () => {
  it('orders steps by time across nodes, keeps each node’s order for equal times, renumbers, and skips malformed parts', () => {
    const step = (node: string, at: number, type: string): WorkflowStep => ({ seq: 99, at, node, to: `arbor://${node}/x`, type });
    const merged = mergeSteps([
      { node: 'b', value: [step('b', 10, 'start'), step('b', 30, 'again')] },
      { node: 'c', value: [step('c', 20, 'step'), step('c', 30, 'tie'), { junk: true }] },
      { node: 'd', value: 'not a list' },
    ]);
    expect(merged.map((s) => [s.seq, s.node, s.type])).toEqual([
      [1, 'b', 'start'],
      [2, 'c', 'step'],
      [3, 'b', 'again'],
      [4, 'c', 'tie'],
    ]);
  });

  it('sums a workflow’s steps over nodes and spans its first to last time, most recent first', () => {
    const w = (correlationId: string, steps: number, first: number, last: number): WorkflowSummary => ({ correlationId, steps, first, last });
    expect(mergeSummaries([[w('x', 2, 10, 20), w('y', 1, 5, 5)], [w('x', 3, 15, 40)], null])).toEqual([w('x', 5, 10, 40), w('y', 1, 5, 5)]);
  });
});

describeBroker('the live workflow view across nodes', () => {
  afterEach(shutdownSystems);
  afterAll(cleanupClusters);

  it('shows on a’s page the events of a workflow accepted on b and c', { timeout: 60_000 }, async () => {
    const cluster = uniqueCluster();
    const b = await startSystem('b', cluster, {}, { workflowBuffer: 1000 });
    const c = await startSystem('c', cluster, {}, { workflowBuffer: 1000 });
    const a = await startSystem('a', cluster, {}, { inspector: { port: 0, interval: 200 } });
    await waitFor('the nodes to see each other', () => [a, b, c].every((s) => s.nodes().length === 3));
    const seen: string[] = [];
    c.spawn(relay(undefined, seen), { id: 'y', input: { next: undefined } });
    b.spawn(relay('step', seen), { id: 'x', input: { next: b.lookup('arbor://c/y') } });
    a.lookup('arbor://b/x')!.send({ type: 'start', correlationId: 'wf-cluster' });
    await waitFor('the chain to end on c', () => seen.length === 1);

    const base = new URL(a.inspectorUrl as string).origin;
    const { steps } = (await (await fetch(`${base}/api/workflow?id=wf-cluster`)).json()) as { steps: WorkflowStep[] };
    expect(steps.map((s) => [s.node, s.to, s.type])).toEqual([
      ['b', 'arbor://b/x', 'start'],
      ['c', 'arbor://c/y', 'step'],
    ]);
    expect(steps.map((s) => s.seq)).toEqual([1, 2]);
    const { source, workflows } = (await (await fetch(`${base}/api/workflows`)).json()) as { source: string; workflows: WorkflowSummary[] };
    expect(source).toBe('live');
    expect(workflows.find((w) => w.correlationId === 'wf-cluster')).toMatchObject({ steps: 2 });
  });
});
