import { afterEach, describe, expect, it } from 'vitest';
import { createSystem, isArborError, supervisor, type System } from '../../src/index.js';
import { acc } from '../support/acc.js';

let system: System | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

async function placedWorker() {
  system = await createSystem({ node: 'a', logger: false, kinds: { acc } });
  system.spawn(supervisor({ children: [{ id: 'w1', kind: 'acc', node: ['a'] }] }), { id: 'root' });
  await system.idle();
  return system.lookup('root/w1')!;
}

describe('an event that would change on the way to another node', () => {
  it('throws NOT_SERIALIZABLE on the sender\'s stack, naming the field, and nothing is delivered', async () => {
    const w1 = await placedWorker();
    let caught: unknown;
    try {
      w1.send({ type: 'work', id: 1, tags: new Map([['a', 1]]) });
    } catch (err) {
      caught = err;
    }
    expect(isArborError(caught) && caught.code).toBe('NOT_SERIALIZABLE');
    expect(isArborError(caught) && caught.details).toMatchObject({ field: 'event.tags', type: 'work' });
    w1.send({ type: 'work', id: 2 });
    expect(await w1.ask({ type: 'dump' })).toMatchObject({ seen: [2] });
  });

  it('fails an ask with NOT_SERIALIZABLE at once instead of waiting for its timeout', async () => {
    const w1 = await placedWorker();
    await expect(w1.ask({ type: 'dump', callback: () => 1 }, { timeout: 60_000 })).rejects.toMatchObject({ code: 'NOT_SERIALIZABLE' });
  });

  it('leaves a local worker free to receive any value', async () => {
    system = await createSystem({ node: 'a', logger: false });
    const local = system.spawn(acc, { id: 'local' });
    expect(() => local.send({ type: 'work', id: 1, tags: new Map() } as never)).not.toThrow();
  });
});
