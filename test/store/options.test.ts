import { describe, expect, it } from 'vitest';
import { realClock, SimulatedClock } from '../../src/runtime/clock.js';
import {
  DEFAULT_GROUP_COMMIT_OPTIONS,
  DEFAULT_LOCAL_STORE_OPTIONS,
  DEFAULT_POSTGRES_STORE_OPTIONS,
  normalizeGroupCommitOptions,
  normalizeLocalStoreOptions,
  normalizePostgresStoreOptions,
} from '../../src/store/options.js';

const invalid = (field: string) => expect.objectContaining({ code: 'INVALID_SPEC', details: expect.objectContaining({ field }) });

describe('store options', () => {
  it('fill in every default of a local store, and keep what is given', () => {
    expect(normalizeLocalStoreOptions()).toEqual({ processedWindow: 1000, synchronous: 'full', busyTimeout: 5000, clock: realClock });
    expect(DEFAULT_LOCAL_STORE_OPTIONS.processedWindow).toBe(1000);
    const clock = new SimulatedClock();
    expect(normalizeLocalStoreOptions({ processedWindow: 5, synchronous: 'normal', busyTimeout: 0, clock })).toEqual({ processedWindow: 5, synchronous: 'normal', busyTimeout: 0, clock });
  });

  it('reject a bad local store option naming the field', () => {
    expect(() => normalizeLocalStoreOptions({ processedWindow: 1.5 })).toThrow(invalid('processedWindow'));
    expect(() => normalizeLocalStoreOptions({ busyTimeout: -1 })).toThrow(invalid('busyTimeout'));
    expect(() => normalizeLocalStoreOptions({ clock: {} as never })).toThrow(invalid('clock'));
    expect(() => normalizeLocalStoreOptions(null as never)).toThrow(invalid('options'));
  });

  it('fill in every default of a PostgreSQL store and lower-case the table prefix', () => {
    expect(normalizePostgresStoreOptions({ url: 'postgres://h/db' })).toEqual({ url: 'postgres://h/db', ...DEFAULT_POSTGRES_STORE_OPTIONS });
    expect(normalizePostgresStoreOptions({ url: 'postgresql://h/db', tablePrefix: 'App_1' }).tablePrefix).toBe('app_1');
  });

  it('reject a bad PostgreSQL option naming the field, never echoing a password', () => {
    expect(() => normalizePostgresStoreOptions({ url: 'http://u:secret@h/db' })).toThrow(expect.objectContaining({ details: { field: 'url', value: 'http://u:***@h/db' } }));
    expect(() => normalizePostgresStoreOptions({} as never)).toThrow(invalid('url'));
    expect(() => normalizePostgresStoreOptions({ url: 'postgres://h/db', tablePrefix: '1abc' })).toThrow(invalid('tablePrefix'));
    expect(() => normalizePostgresStoreOptions({ url: 'postgres://h/db', poolSize: 0 })).toThrow(invalid('poolSize'));
    expect(() => normalizePostgresStoreOptions({ url: 'postgres://h/db', connectTimeout: 0 })).toThrow(invalid('connectTimeout'));
  });

  it('fill in and check the group commit options', () => {
    expect(normalizeGroupCommitOptions()).toEqual(DEFAULT_GROUP_COMMIT_OPTIONS);
    expect(normalizeGroupCommitOptions({ maxBatch: 7 })).toEqual({ maxBatch: 7 });
    expect(() => normalizeGroupCommitOptions({ maxBatch: Infinity })).toThrow(invalid('maxBatch'));
  });
});
