import type { Deadline } from '@grpc/grpc-js';
import { BackendUnavailableError, CancelledError, DeadlineExceededError } from '../errors.js';

/** The part of a grpc-js server call this module needs (every server call kind has it). */
export interface CancellableCall {
  getDeadline(): Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

/**
 * An AbortSignal for one gRPC call: it fires when the caller's deadline passes, when the caller cancels, and when
 * the service is forced to stop. Its reason is the error the caller should get. `dispose()` once the call is over.
 *
 * The deadline needs no timer of its own: grpc-js runs one per call and, when it fires, answers DEADLINE_EXCEEDED
 * and emits 'cancelled' — which is classified by the clock below. A second timer per call cost a Timeout object
 * and its scheduling on every call (a few percent of a GetTask's CPU). A class rather than closures for the same
 * reason: one object and one listener per call instead of five.
 */
export class CallSignal {
  readonly #controller = new AbortController();
  readonly #call: CancellableCall;
  readonly #deadlineMs: number;
  readonly #slackMs: number;
  readonly #shutdownListeners: Set<CallSignal> | undefined;
  readonly #onCancelled = () => this.#cancelled();

  constructor(call: CancellableCall, shutdown: AbortSignal) {
    this.#call = call;
    const deadline = call.getDeadline();
    this.#deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
    this.#slackMs = cancelSlackMs(this.#deadlineMs - Date.now());
    // `on`, not `once`: aborting twice is harmless, and `once` wraps every listener in two more objects per call.
    call.on('cancelled', this.#onCancelled);
    if (shutdown.aborted) {
      this.#shutdownListeners = undefined;
      this.stopping();
    } else {
      this.#shutdownListeners = shutdownListeners(shutdown);
      this.#shutdownListeners.add(this);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stops listening to the call and the service's shutdown. */
  dispose(): void {
    this.#call.removeListener('cancelled', this.#onCancelled);
    this.#shutdownListeners?.delete(this);
  }

  /** The service is being forced to stop. */
  stopping(): void {
    this.#controller.abort(
      new BackendUnavailableError('The connector service stopped before the call finished.'),
    );
  }

  // grpc-js reports a passed deadline as a cancellation; name it for what it is.
  #cancelled(): void {
    const deadlineMs = this.#deadlineMs;
    this.#controller.abort(
      Number.isFinite(deadlineMs) && Date.now() >= deadlineMs - this.#slackMs
        ? new DeadlineExceededError("The caller's deadline passed before the connector answered.")
        : new CancelledError('The caller cancelled the call.'),
    );
  }
}

/** Creates the signal of one call; see {@link CallSignal}. */
export function callSignal(call: CancellableCall, shutdown: AbortSignal): CallSignal {
  return new CallSignal(call, shutdown);
}

const listenersBySignal = new WeakMap<AbortSignal, Set<CallSignal>>();

/**
 * The calls to stop when `shutdown` aborts. One listener per signal fans out to a Set: every call subscribes to
 * the same shutdown signal, and EventTarget's add/remove walk its whole listener list, which made 10,000 calls in
 * flight cost seconds of CPU.
 */
function shutdownListeners(shutdown: AbortSignal): Set<CallSignal> {
  let listeners = listenersBySignal.get(shutdown);
  if (listeners === undefined) {
    const set = new Set<CallSignal>();
    listeners = set;
    listenersBySignal.set(shutdown, set);
    shutdown.addEventListener(
      'abort',
      () => {
        for (const each of [...set]) each.stopping();
        set.clear();
      },
      { once: true },
    );
  }
  return listeners;
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
