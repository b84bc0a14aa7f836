/**
 * Children whose specs say the same (all but the id) share one frozen normalized template
 * (issue 16: 104 bytes a child otherwise). Sharing must never show: each child reads exactly what
 * its own spec says, whatever its neighbours say, and nothing done to one spec afterwards reaches
 * any child.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { supervisor, type ChildSpec, type SupervisorRef } from '../../src/index.js';
import { normalizeChildSpec, normalizeSupervisorSpec } from '../../src/supervision/spec.js';
import type { NormalizedChildSpec } from '../../src/supervision/child-template.js';
import { isSupervisorLogic } from '../../src/supervision/supervisor.js';
import { testSystem, worker } from '../fixtures/workers.js';

const other = supervisor({ children: [] });
const inputs = [undefined, { name: 'x' }, { name: 'y' }];

/** A child spec without its id: few values per field, so neighbours often say the same. */
const specBody = fc.record(
  {
    logic: fc.constantFrom<unknown>(worker, other),
    input: fc.constantFrom(...inputs),
    restart: fc.constantFrom('permanent', 'transient', 'temporary'),
    shutdown: fc.constantFrom<ChildSpec['shutdown']>(100, 5000, 'brutal_kill', 'infinity'),
  },
  { requiredKeys: ['logic'] },
);

const plain = (c: NormalizedChildSpec) => JSON.parse(JSON.stringify(c)) as unknown;

describe('shared child templates', () => {
  it('each normalized child reads what its own spec says; neighbours share a template exactly when they say the same (property)', () => {
    fc.assert(
      fc.property(fc.array(specBody, { maxLength: 12 }), (bodies) => {
        const children = bodies.map((b, i) => ({ ...b, id: `c${i}` })) as ChildSpec[];
        const spec = normalizeSupervisorSpec({ children }, isSupervisorLogic);
        spec.children.forEach((c, i) => {
          const alone = normalizeChildSpec(children[i], `children[${i}]`, isSupervisorLogic, 'never');
          expect(plain(c)).toEqual(plain(alone));
          expect(c.restart).toBe(alone.restart);
          expect(c.shutdown).toBe(alone.shutdown);
          expect(c.logic).toBe(children[i]!.logic);
          expect(c.input).toBe(children[i]!.input);
          expect(Object.isFrozen(c.template)).toBe(true);
          if (i > 0) {
            const prev = spec.children[i - 1]!;
            const same = alone.logic === prev.logic && alone.input === prev.input && alone.restart === prev.restart && alone.shutdown === prev.shutdown;
            expect(c.template === prev.template).toBe(same);
          }
        });
      }),
    );
  });

  it('a normalized child cannot be changed, and changing a spec after startChild changes neither its child nor a sibling sharing the template', async () => {
    const t = await testSystem();
    const sup = t.system.spawn(supervisor({ intensity: 100, children: [] }), { id: 'root' }) as SupervisorRef;
    const input = { gracefulMs: 0 };
    const specA: ChildSpec = { id: 'a', logic: worker, input, restart: 'transient' };
    const specB: ChildSpec = { id: 'b', logic: worker, input, restart: 'transient' };
    // Same logic and input, another restart: must not be given the template of a and b.
    const specC: ChildSpec = { id: 'c', logic: worker, input, restart: 'temporary' };
    await sup.startChild(specA);
    await sup.startChild(specB);
    await sup.startChild(specC);
    specA.restart = 'temporary';
    specB.restart = 'temporary';
    specC.restart = 'permanent';
    for (const id of ['a', 'b', 'c']) t.system.lookup(`root/${id}`)!.send({ type: 'crash' });
    await t.system.idle();
    // a and b (transient) are restarted after a crash; c (temporary) is deleted.
    expect(t.trail('child_restarted').sort()).toEqual(['child_restarted:a', 'child_restarted:b']);
    expect(sup.whichChildren().map((c) => `${c.id}:${c.status}`)).toEqual(['a:running', 'b:running']);
    const spec = normalizeSupervisorSpec({ children: [specA, specB] }, isSupervisorLogic);
    expect(spec.children[0]!.template).toBe(spec.children[1]!.template);
    expect(() => {
      (spec.children[0] as { restart: string }).restart = 'permanent';
    }).toThrow(TypeError);
    expect(() => {
      (spec.children[0]!.template as { restart: string }).restart = 'permanent';
    }).toThrow(TypeError);
    expect(spec.children[1]!.restart).toBe('temporary');
    await t.system.shutdown();
  });
});
