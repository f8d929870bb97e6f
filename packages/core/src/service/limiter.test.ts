import { describe, expect, it } from 'vitest';
import { CancelledError, DeadlineExceededError } from '../errors.js';
import { ConcurrencyLimiter } from './limiter.js';

const never = () => new AbortController().signal;

/** Lets queued promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe('ConcurrencyLimiter', () => {
  it('tryAcquire takes a free slot at once and refuses when none is free, leaving the queue to acquire', async () => {
    const limiter = new ConcurrencyLimiter(1);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.running).toBe(1);
    const waiting = track(limiter.acquire(never()));
    limiter.release();
    await settle();
    expect(waiting).toEqual({ settled: true, error: undefined });
    // The slot went to the waiter, not back to the pool.
    expect(limiter.tryAcquire()).toBe(false);
    limiter.release();
    expect(limiter.tryAcquire()).toBe(true);
  });

  it('grants up to `limit` slots at once and makes further callers wait', async () => {
    const limiter = new ConcurrencyLimiter(2);
    await limiter.acquire(never());
    await limiter.acquire(never());
    expect(limiter.running).toBe(2);

    const third = track(limiter.acquire(never()));
    await settle();
    expect(third.settled).toBe(false);
    expect(limiter.waiting).toBe(1);
    expect(limiter.running).toBe(2);

    limiter.release();
    await settle();
    expect(third).toEqual({ settled: true, error: undefined });
    expect(limiter.running).toBe(2);
    expect(limiter.waiting).toBe(0);
  });

  it('never runs more than `limit` tasks concurrently under load', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let current = 0;
    let peak = 0;
    const task = async (i: number) => {
      await limiter.acquire(never());
      current += 1;
      peak = Math.max(peak, current);
      await new Promise((resolve) => setTimeout(resolve, i % 3));
      current -= 1;
      limiter.release();
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => task(i)));
    expect(peak).toBe(3);
    expect(limiter.running).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('serves waiters in FIFO order, one per release', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire(never());
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => limiter.acquire(never()).then(() => order.push(n)));
    await settle();
    expect(order).toEqual([]);

    limiter.release();
    await settle();
    expect(order).toEqual([1]);
    limiter.release();
    await settle();
    expect(order).toEqual([1, 2]);
    limiter.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(limiter.running).toBe(1);

    limiter.release();
    expect(limiter.running).toBe(0);
  });

  it('frees the slot when released without waiters, so the next caller gets it at once', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire(never());
    limiter.release();
    expect(limiter.running).toBe(0);
    const next = track(limiter.acquire(never()));
    await settle();
    expect(next).toEqual({ settled: true, error: undefined });
    expect(limiter.running).toBe(1);
  });

  it('removes a waiter whose signal fires and rejects it with the signal’s reason', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire(never());
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const later = track(limiter.acquire(never()));
    expect(limiter.waiting).toBe(2);

    const reason = new DeadlineExceededError('deadline passed');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(limiter.waiting).toBe(1);

    // The aborted caller does not take the freed slot: the next waiter does.
    limiter.release();
    await settle();
    expect(later).toEqual({ settled: true, error: undefined });
    expect(limiter.running).toBe(1);
    expect(limiter.waiting).toBe(0);
  });

  it('rejects with a CancelledError when the abort reason is not an Error', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire(never());
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort('shutting down');
    const error: unknown = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).kind).toBe('CANCELLED');
    expect(limiter.waiting).toBe(0);
  });

  it('rejects at once, without taking a slot, when the signal has already fired', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const reason = new DeadlineExceededError('too late');
    await expect(limiter.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(limiter.running).toBe(0);
    expect(limiter.waiting).toBe(0);

    // Also when every slot is busy: nothing is queued.
    await limiter.acquire(never());
    await expect(limiter.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(limiter.waiting).toBe(0);
  });

  it('ignores an abort after the slot was granted', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire(never());
    const controller = new AbortController();
    const granted = track(limiter.acquire(controller.signal));
    limiter.release();
    await settle();
    controller.abort(new Error('late abort'));
    await settle();
    expect(granted).toEqual({ settled: true, error: undefined });
    expect(limiter.running).toBe(1);
    expect(limiter.waiting).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses the limit %s', (limit) => {
    expect(() => new ConcurrencyLimiter(limit)).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter(limit)).toThrow(
      `worker limit must be a positive integer, got ${limit}`,
    );
  });
});
