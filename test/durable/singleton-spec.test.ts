/** What `spawn(..., { singleton: true })` refuses, with no broker needed. */
import { describe, expect, it } from 'vitest';
import { createSystem, supervisor } from '../../src/index.js';
import { tally } from './fixtures/tally.js';

describe('singleton spawn options', () => {
  it('needs durable, a boolean, no snapshot or systemId, and a broker transport; each refusal names the field', async () => {
    const system = await createSystem({ node: 'a', logger: false });
    try {
      const refused = (options: Record<string, unknown>) => {
        try {
          system.spawn(tally, { id: 's', ...options });
        } catch (err) {
          return { code: (err as { code?: string }).code, message: (err as Error).message };
        }
        throw new Error('accepted');
      };
      expect(refused({ singleton: true })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringMatching(/singleton.*durable: true/) });
      expect(refused({ singleton: 'yes', durable: true })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('singleton') });
      expect(refused({ singleton: true, durable: true, systemId: 'x' })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('systemId') });
      expect(refused({ singleton: true, durable: true, snapshot: {} })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('snapshot') });
      expect(refused({ singleton: true, durable: true })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('in-memory transport has no singleton queues') });
      expect(() => system.spawn(supervisor({ children: [] }), { id: 't', durable: true, singleton: true })).toThrow(/broker transport/);
      // singleton: false is an ordinary root.
      expect(system.spawn(tally, { id: 'plain', singleton: false }).path).toBe('arbor://a/plain');
    } finally {
      await system.shutdown();
    }
  });
});
