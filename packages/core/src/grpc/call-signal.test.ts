import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, CancelledError, DeadlineExceededError } from '../errors.js';
import { callSignal, cancelSlackMs } from './call-signal.js';

/** A server call with a deadline `timeoutMs` from now that the test cancels (grpc-js's 'cancelled' event). */
function call(timeoutMs: number) {
  const events = new EventEmitter();
  return Object.assign(events, { getDeadline: () => Date.now() + timeoutMs });
}

describe('callSignal', () => {
  it('names a cancellation arriving just before the deadline a passed deadline', () => {
    // The caller's cancel at its own deadline reaches the server up to the request's queueing delay early.
    const late = call(30);
    const callAbort = callSignal(late, new AbortController().signal);
    late.emit('cancelled');
    expect(callAbort.signal.reason).toBeInstanceOf(DeadlineExceededError);
    callAbort.dispose();
  });

  it('names a cancellation well before the deadline a cancellation', () => {
    const early = call(10_000);
    const callAbort = callSignal(early, new AbortController().signal);
    early.emit('cancelled');
    expect(callAbort.signal.reason).toBeInstanceOf(CancelledError);
    callAbort.dispose();
  });

  it('allows a tenth of the timeout, between 50 ms and 1 s', () => {
    expect(cancelSlackMs(200)).toBe(50);
    expect(cancelSlackMs(5_000)).toBe(500);
    expect(cancelSlackMs(60_000)).toBe(1000);
    expect(cancelSlackMs(Number.POSITIVE_INFINITY)).toBe(0);
  });

  it('aborts every live call when the service stops, and none that were disposed', () => {
    const shutdown = new AbortController();
    const live = Array.from({ length: 3 }, () => callSignal(call(10_000), shutdown.signal));
    const disposed = callSignal(call(10_000), shutdown.signal);
    disposed.dispose();
    shutdown.abort();
    for (const { signal } of live) expect(signal.reason).toBeInstanceOf(BackendUnavailableError);
    expect(disposed.signal.aborted).toBe(false);
    // A call arriving after the stop is aborted at once.
    expect(callSignal(call(10_000), shutdown.signal).signal.reason).toBeInstanceOf(BackendUnavailableError);
  });

  it('keeps one listener on the shutdown signal however many calls are in flight', () => {
    const shutdown = new AbortController();
    let added = 0;
    const original = shutdown.signal.addEventListener.bind(shutdown.signal);
    shutdown.signal.addEventListener = (...args: Parameters<typeof original>) => {
      added += 1;
      original(...args);
    };
    const calls = Array.from({ length: 1_000 }, () => callSignal(call(10_000), shutdown.signal));
    for (const each of calls) each.dispose();
    expect(added).toBe(1);
  });
});
