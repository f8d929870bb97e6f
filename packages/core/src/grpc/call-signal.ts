import type { Deadline } from '@grpc/grpc-js';
import { BackendUnavailableError, CancelledError, DeadlineExceededError } from '../errors.js';

/** The part of a grpc-js server call this module needs (every server call kind has it). */
export interface CancellableCall {
  getDeadline(): Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

export interface CallSignal {
  readonly signal: AbortSignal;
  readonly dispose: () => void;
}

/**
 * An AbortSignal for one gRPC call: it fires when the caller's deadline passes, when the caller cancels, and when
 * the service is forced to stop. Its reason is the error the caller should get.
 *
 * The deadline needs no timer of its own: grpc-js runs one per call and, when it fires, answers DEADLINE_EXCEEDED
 * and emits 'cancelled' — which is classified by the clock below. A second timer per call cost a Timeout object
 * and its scheduling on every call (a few percent of a GetTask's CPU).
 */
export function callSignal(call: CancellableCall, shutdown: AbortSignal): CallSignal {
  const controller = new AbortController();
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  const slackMs = cancelSlackMs(deadlineMs - Date.now());
  // grpc-js reports a passed deadline as a cancellation; name it for what it is.
  const onCancelled = () =>
    controller.abort(
      Number.isFinite(deadlineMs) && Date.now() >= deadlineMs - slackMs
        ? new DeadlineExceededError("The caller's deadline passed before the connector answered.")
        : new CancelledError('The caller cancelled the call.'),
    );
  const onShutdown = () =>
    controller.abort(new BackendUnavailableError('The connector service stopped before the call finished.'));
  // `on`, not `once`: aborting twice is harmless, and `once` wraps every listener in two more objects per call.
  call.on('cancelled', onCancelled);
  const unsubscribe = onAbort(shutdown, onShutdown);
  return {
    signal: controller.signal,
    dispose: () => {
      call.removeListener('cancelled', onCancelled);
      unsubscribe();
    },
  };
}

const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `listener` when `signal` aborts (at once if it has). One listener per signal fans out to a Set: every call
 * subscribes to the same shutdown signal, and EventTarget's add/remove walk its whole listener list, which made
 * 10,000 calls in flight cost seconds of CPU.
 */
function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => undefined;
  }
  let listeners = subscribers.get(signal);
  if (listeners === undefined) {
    const set = new Set<() => void>();
    listeners = set;
    subscribers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const each of [...set]) each();
        set.clear();
      },
      { once: true },
    );
  }
  listeners.add(listener);
  const registered = listeners;
  return () => registered.delete(listener);
}

/**
 * How early before the server's deadline a cancellation still counts as the deadline passing. The server's deadline
 * is its receive time plus the caller's timeout, so it lies later than the caller's own by however long the request
 * waited before the server read it (long on a busy event loop), and the caller's cancel at its deadline arrives
 * "early". A tenth of the timeout, between 50 ms and 1 s; a true cancel that close to the deadline is reported as
 * the deadline, which changes nothing for the caller.
 */
export function cancelSlackMs(timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs)) return 0;
  return Math.min(1000, Math.max(50, timeoutMs / 10));
}
