import { CancelledError } from '../errors.js';

/**
 * Bounds how many connector calls run at once (`--worker`). Excess calls wait in FIFO order; a waiting call whose
 * signal fires leaves the queue instead of occupying a slot later.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: { resolve: () => void; reject: (error: unknown) => void; signal: AbortSignal }[] =
    [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`worker limit must be a positive integer, got ${limit}`);
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Takes a free slot at once, without a promise (the common case on every call); false when the caller must wait
   * with `acquire`. The caller must call `release()` exactly once after a true.
   */
  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active += 1;
    return true;
  }

  /** Resolves once a slot is held; the caller must call `release()` exactly once afterwards. */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
        signal,
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(): void {
    if (this.active === 0) throw new Error('ConcurrencyLimiter.release() called without a held slot');
    const next = this.waiters.shift();
    if (next !== undefined) next.resolve();
    else this.active -= 1;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new CancelledError('The call was cancelled while waiting for a worker.');
}
