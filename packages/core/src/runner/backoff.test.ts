import { describe, expect, it } from 'vitest';
import { jitteredBackoff } from './backoff.js';

describe('jitteredBackoff', () => {
  it('doubles up to the cap, waiting between half and all of it', () => {
    const low = jitteredBackoff({ baseMs: 1000, maxMs: 30_000, random: () => 0 });
    const high = jitteredBackoff({ baseMs: 1000, maxMs: 30_000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6, 7].map(low)).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(Math.round(high(1))).toBe(1000);
    expect(Math.round(high(10))).toBe(30_000);
  });

  it('spreads retries by default', () => {
    const backoff = jitteredBackoff({ baseMs: 1000, maxMs: 30_000 });
    const values = new Set(Array.from({ length: 20 }, () => backoff(3)));
    expect(values.size).toBeGreaterThan(10);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(2000);
      expect(value).toBeLessThanOrEqual(4000);
    }
  });
});
