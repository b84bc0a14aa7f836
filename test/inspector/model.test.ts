/** The inspector's model: rows and diffs per tick, observers left out, dead letters of other nodes, metric samples. */
import { describe, expect, it } from 'vitest';
import { InspectorModel, type InspectedSystem, type ModelEvent } from '../../src/inspector/model.js';
import { normalizeInspectorOptions } from '../../src/inspector/options.js';
import type { ClusterStatus } from '../../src/index.js';

function model(): { model: InspectorModel; events: ModelEvent[] } {
  const system: InspectedSystem = {
    node: 'arbor-inspect-1',
    logger: { warn: () => undefined },
    // The loop's own first tick fails quietly; the tests feed statuses by hand.
    clusterStatus: () => Promise.reject(new Error('not in this test')),
    actorDetail: () => Promise.resolve(undefined),
    on: () => () => undefined,
  };
  const m = new InspectorModel(system, normalizeInspectorOptions({ interval: 60_000 }));
  const events: ModelEvent[] = [];
  m.subscribe((e) => events.push(e));
  return { model: m, events };
}

const status = (state: string, processed: number, dead: ClusterStatus['trees'][number]['recentDeadLetters'] = undefined): ClusterStatus => ({
  nodes: [
    { node: 'a', kinds: [], lastSeen: 1 },
    { node: 'arbor-inspect-1', kinds: [], lastSeen: 1 },
  ],
  trees: [
    { node: 'a', roots: [{ path: 'arbor://a/w', id: 'w', type: 'worker', status: 'running', node: 'a', state }], hosted: [], processed, deadLetters: dead?.length ?? 0, ...(dead ? { recentDeadLetters: dead } : {}) },
    { node: 'arbor-inspect-1', roots: [], hosted: [] },
  ],
  unreachable: [],
});

describe('the inspector model', () => {
  it('sends a diff only when a row changed', async () => {
    const { model: m, events } = model();
    await m.whenReady();
    m.update(status('green', 0), 1000);
    m.update(status('green', 0), 2000);
    m.update(status('red', 0), 3000);
    const trees = events.filter((e) => e.name === 'tree');
    expect(trees).toHaveLength(2);
    expect(trees[1]?.data).toEqual({ upsert: [expect.objectContaining({ path: 'arbor://a/w', state: 'red' })], remove: [] });
    m.close();
  });

  it('computes messages per second from the nodes’ processed counts', async () => {
    const { model: m } = model();
    await m.whenReady();
    m.update(status('green', 100), 1000);
    m.update(status('green', 400), 1500);
    expect(m.samples.at(-1)).toMatchObject({ rate: 600, deadLetters: 0 });
    m.close();
  });

  it('lists the observer’s own node nowhere on the page, but keeps the others', async () => {
    const { model: m } = model();
    await m.whenReady();
    m.update(status('green', 0), 1000);
    expect(m.nodes.map((n) => n.node)).toEqual(['a']);
    m.close();
  });

  it('takes other nodes’ dead letters from their status once each, though they repeat them', async () => {
    const { model: m, events } = model();
    await m.whenReady();
    const note = { at: 5, recipient: 'arbor://a/w', type: 'go', code: 'ACTOR_CRASHED', reason: 'boom' };
    m.update(status('green', 0, [note]), 1000);
    m.update(status('green', 0, [note, { ...note, at: 6 }]), 2000);
    expect(m.deadLetters.map((d) => [d.node, d.at])).toEqual([
      ['a', 5],
      ['a', 6],
    ]);
    expect(events.filter((e) => e.name === 'deadLetter')).toHaveLength(2);
    m.close();
  });
});
