import { describe, expect, it } from 'vitest';
import { retryDelay, retryTiers } from '../../src/transport/backoff.js';

const opts = { min: 100, max: 1000, factor: 2 };

describe('backoff', () => {
  it('grows geometrically from min and is capped at max', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelay(a, opts))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('treats attempts below one as the first retry', () => {
    expect(retryDelay(0, opts)).toBe(100);
  });

  it('never overflows for huge attempt numbers', () => {
    expect(retryDelay(10_000, opts)).toBe(1000);
  });

  it('declares one tier per distinct delay of the retries before the last attempt', () => {
    expect(retryTiers(1, opts)).toEqual([]);
    expect(retryTiers(3, opts)).toEqual([100, 200]);
    expect(retryTiers(10, opts)).toEqual([100, 200, 400, 800, 1000]);
  });
});
