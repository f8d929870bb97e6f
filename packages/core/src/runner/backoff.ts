/** Settings of {@link jitteredBackoff}. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  readonly baseMs: number;
  /** Upper bound of the delay, before jitter. */
  readonly maxMs: number;
  /** A random number in [0, 1); `Math.random` by default (tests pass their own). */
  readonly random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of `min(maxMs, baseMs·2^(n-1))`.
 * What the runner waits after a failed GetTask, where flytekit and flyte-sdk sleep a fixed interval: spreading the
 * retries keeps a recovering service from being hit by every client at the same instant, and the growing delay gives
 * it room.
 */
export function jitteredBackoff(options: BackoffOptions): (attempt: number) => number {
  const random = options.random ?? Math.random;
  return (attempt) => {
    const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
    return ceiling / 2 + (random() * ceiling) / 2;
  };
}
