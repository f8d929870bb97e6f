import { CancelledError } from '../errors.js';
import { FifoQueue } from './fifo-queue.js';

/** Rate settings of a token bucket: `qps` tokens are added per second, up to `burst` stored tokens. */
export interface RateLimit {
  /** Sustained rate in tokens per second; `Infinity` disables the limit. */
  readonly qps: number;
  /** Tokens the bucket holds when full (and starts with): how many calls may go at once after a quiet spell. */
  readonly burst: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
  settled: boolean;
}

/**
 * A token bucket with an abortable async `acquire`, as Go's `rate.Limiter.Wait(ctx)` that Flyte's clients use.
 * Hand-written on purpose: the maintained npm limiters either count concurrency rather than rate, lack burst, or
 * cannot withdraw a waiter when its signal fires; this one is small enough to own. Waiters are served in FIFO
 * order by one timer, however many there are.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private readonly waiters = new FifoQueue<Waiter>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** The bucket's rate and burst. */
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.qps > 0)) throw new RangeError(`qps must be > 0, got ${limit.qps}`);
    if (!Number.isInteger(limit.burst) || limit.burst < 1)
      throw new RangeError(`burst must be an integer >= 1, got ${limit.burst}`);
    this.tokens = limit.burst;
    this.refilledAt = this.now();
  }

  /** Waiters not yet served (withdrawn ones excluded once they reach the head). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes a token if one is available now, without waiting. */
  tryAcquire(): boolean {
    if (this.waiters.length > 0) return false; // FIFO: nobody overtakes a waiter
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Resolves when a token is taken; rejects with the signal's reason (or a CancelledError) if it fires first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(reasonOf(signal));
    if (this.limit.qps === Infinity || this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        settled: false,
        onAbort:
          signal === undefined
            ? undefined
            : () => {
                // Left in the queue and skipped when it reaches the head: O(1) withdrawal.
                if (waiter.settled) return;
                waiter.settled = true;
                reject(reasonOf(signal));
                this.schedule();
              },
      };
      if (waiter.onAbort !== undefined) signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** Rejects every waiter (used when the owner shuts down). */
  rejectAll(error: unknown): void {
    for (let waiter = this.waiters.shift(); waiter !== undefined; waiter = this.waiters.shift()) {
      if (waiter.settled) continue;
      waiter.settled = true;
      this.detach(waiter);
      waiter.reject(error);
    }
    this.clearTimer();
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.refilledAt;
    this.refilledAt = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.qps) / 1000);
  }

  /** Serves waiters while tokens last, then sleeps until the next token is due. */
  private schedule(): void {
    this.clearTimer();
    this.refill();
    for (let head = this.waiters.peek(); head !== undefined; head = this.waiters.peek()) {
      if (head.settled) {
        this.waiters.shift();
        continue;
      }
      if (this.tokens < 1) break;
      this.tokens -= 1;
      this.waiters.shift();
      head.settled = true;
      this.detach(head);
      head.resolve();
    }
    if (this.waiters.length === 0) return;
    const waitMs = ((1 - this.tokens) * 1000) / this.limit.qps;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.schedule();
      },
      Math.max(1, Math.ceil(waitMs)),
    );
  }

  private detach(waiter: Waiter): void {
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new CancelledError('The wait for a rate-limit token was cancelled.');
}
