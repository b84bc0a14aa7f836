import { describe, expect, it } from 'vitest';
import { isSupervisorLike, treeToDot, treeToMermaid } from '../../src/diagrams/index.js';

const worker = { config: {} };

describe('treeToMermaid', () => {
  it('accepts a supervisor logic value (an object with spec) and raw options alike', () => {
    const options = { strategy: 'one_for_all', intensity: 2, period: 1000, children: [{ id: 'w1', logic: worker }] };
    expect(treeToMermaid({ spec: options })).toBe(treeToMermaid(options));
  });

  it('fills in the OTP defaults for options that leave them out', () => {
    const text = treeToMermaid({ children: [{ id: 'w1', logic: worker }] });
    expect(text).toContain('n0_root{{"root<br/>one_for_one<br/>max 1 restarts in 5000 ms"}}');
    expect(text).toContain('n1_w1["w1<br/>permanent"]');
  });

  it('shows kind, node placement and significance of children and nests supervisors', () => {
    const nested = { spec: { strategy: 'rest_for_one', children: [{ id: 'acc', kind: 'acc', node: ['b', 'c'], restart: 'transient' }] } };
    const text = treeToMermaid({ children: [{ id: 'sub', logic: nested, significant: true }] }, { id: 'top' });
    expect(text).toContain('n1_sub{{"sub<br/>rest_for_one<br/>max 1 restarts in 5000 ms<br/>permanent, significant"}}');
    expect(text).toContain('n2_acc["acc<br/>transient, kind acc<br/>on b | c"]');
    expect(text).toContain('n0_top --> n1_sub');
    expect(text).toContain('n1_sub --> n2_acc');
    expect(text).toContain('class n1_sub significant');
  });

  it('throws an INVALID_SPEC error for something that is not a supervisor', () => {
    expect(() => treeToMermaid({ config: {} })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }));
  });
});

describe('isSupervisorLike', () => {
  it('is true only for objects whose spec has a children array', () => {
    expect(isSupervisorLike({ spec: { children: [] } })).toBe(true);
    expect(isSupervisorLike({ spec: {} })).toBe(false);
    expect(isSupervisorLike({ children: [] })).toBe(false);
    expect(isSupervisorLike(null)).toBe(false);
  });
});

describe('treeToDot', () => {
  it('draws supervisors as hexagons with an edge to each child', () => {
    const text = treeToDot({ children: [{ id: 'w1' }, { id: 'w2' }] });
    expect(text).toContain('"root" [label="root\\none_for_one\\nmax 1 restarts in 5000 ms", shape=hexagon];');
    expect(text).toContain('"root" -> "root/w2";');
  });
});
