import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full: `burst` tokens at once, then none', () => {
    const bucket = new TokenBucket({ qps: 1, burst: 3 });
    expect([bucket.tryAcquire(), bucket.tryAcquire(), bucket.tryAcquire(), bucket.tryAcquire()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('refills at qps, capped at burst (driven by a fake clock)', () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 10, burst: 2 }, () => now);
    bucket.tryAcquire();
    bucket.tryAcquire();
    expect(bucket.tryAcquire()).toBe(false);
    now = 100; // one token per 100 ms
    expect(bucket.tryAcquire()).toBe(true);
    expect(bucket.tryAcquire()).toBe(false);
    now = 10_000; // long idle: still only `burst` tokens
    expect([bucket.tryAcquire(), bucket.tryAcquire(), bucket.tryAcquire()]).toEqual([true, true, false]);
  });

  it('serves waiters in FIFO order at the configured rate, measured', async () => {
    const bucket = new TokenBucket({ qps: 100, burst: 1 });
    const started = performance.now();
    const order: number[] = [];
    await Promise.all(Array.from({ length: 11 }, (_, i) => bucket.acquire().then(() => order.push(i))));
    const elapsed = performance.now() - started;
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // One from the burst, then ten at 100/s: about 100 ms.
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(400);
  });

  it('withdraws an aborted waiter without consuming a token', async () => {
    const bucket = new TokenBucket({ qps: 20, burst: 1 });
    bucket.tryAcquire();
    const controller = new AbortController();
    const cancelled = bucket.acquire(controller.signal);
    const next = bucket.acquire();
    controller.abort();
    await expect(cancelled).rejects.toThrow('aborted'); // the signal's reason
    const started = performance.now();
    await next;
    expect(performance.now() - started).toBeLessThan(100); // served by the first refill, not the second
    await expect(bucket.acquire(AbortSignal.abort())).rejects.toBeDefined();
  });

  it('rejectAll rejects every waiter', async () => {
    const bucket = new TokenBucket({ qps: 0.001, burst: 1 });
    bucket.tryAcquire();
    const waiting = [bucket.acquire(), bucket.acquire()];
    bucket.rejectAll(new Error('closed'));
    for (const w of waiting) await expect(w).rejects.toThrow('closed');
    expect(bucket.waiting).toBe(0);
  });

  it('does not limit at qps Infinity and refuses nonsense settings', async () => {
    const bucket = new TokenBucket({ qps: Infinity, burst: 1 });
    await Promise.all(Array.from({ length: 1000 }, () => bucket.acquire()));
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});
