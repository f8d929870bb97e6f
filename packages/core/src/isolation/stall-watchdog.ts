import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** A connector call as the watchdog sees it. The dispatcher names the connector once it has routed the call. */
export interface WatchedCall {
  /** The connector's display name; '' until the call has been routed. */
  readonly connectorName: string;
  /** The task type the call was routed by (the `task_type` metric label). */
  readonly taskType: string;
  /** The operation label (`create`, `get`, `delete`, `do`, `get_logs`, `get_metrics`). */
  readonly operation: string;
}

/** A connector method whose synchronous part alone blocked the thread for at least the threshold. */
export interface StallCulprit {
  /** The connector's display name. */
  readonly connector: string;
  /** The task type of the call. */
  readonly taskType: string;
  /** The operation the method served. */
  readonly operation: string;
  /** How long the method ran before returning its promise, in ms. */
  readonly syncMs: number;
}

/** A connector call that was in flight while the thread was blocked: it may or may not be the cause. */
export interface StallSuspect {
  /** The connector's display name. */
  readonly connector: string;
  /** The task type of the call. */
  readonly taskType: string;
  /** The operation the call served. */
  readonly operation: string;
}

/** One detected stall of the event loop and who is to blame, as precisely as can be known. */
export interface StallReport {
  /** How long the event loop could not run, in ms (the longest delay seen since the previous check). */
  readonly blockedMs: number;
  /** The threshold the stall exceeded, in ms. */
  readonly thresholdMs: number;
  /** Methods measured to have blocked the thread themselves (exact attribution); empty when none did. */
  readonly culprits: readonly StallCulprit[];
  /** Calls in flight around the stall, when no method alone explains it. */
  readonly suspects: readonly StallSuspect[];
}

/** Settings of a {@link StallWatchdog}. */
export interface StallWatchdogOptions {
  /** A stall is a blocked event loop for at least this long, in ms (> 0). */
  readonly thresholdMs: number;
  /** Receives every stall; must not throw. */
  readonly onStall: (report: StallReport) => void;
  /**
   * Connectors never named as suspects. Connectors running in worker threads cannot block this thread, so naming
   * them would only mislead.
   */
  readonly notSuspect?: (connectorName: string) => boolean;
}

/** The delay histogram's sampling period, in ms: fine enough to measure a 200 ms stall to within a few percent. */
const RESOLUTION_MS = 10;
/** Ended calls remembered for suspect lists: a call may end in the very callback that blocked the loop. */
const RECENTLY_ENDED = 64;

/**
 * Detects event loop stalls and names the connectors responsible.
 *
 * Two measurements: the synchronous part of every connector method invocation (`timeSync`), which names a
 * connector exactly when that part alone exceeded the threshold, and the loop's delay (a `monitorEventLoopDelay`
 * histogram plus the drift of a periodic check), which catches stalls no single invocation explains, such as a
 * busy loop in a later continuation of a connector's promise. Those are attributed to the calls in flight at the
 * time, reported as suspects because waiting calls are in flight too.
 */
export class StallWatchdog {
  readonly #thresholdMs: number;
  readonly #intervalMs: number;
  readonly #onStall: (report: StallReport) => void;
  readonly #notSuspect: (connectorName: string) => boolean;
  readonly #inFlight = new Map<WatchedCall, number>();
  readonly #ended: { readonly call: WatchedCall; readonly startedAt: number; readonly endedAt: number }[] =
    [];
  #culprits: StallCulprit[] = [];
  #histogram: IntervalHistogram | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastCheck = 0;

  constructor(options: StallWatchdogOptions) {
    if (!(options.thresholdMs > 0)) throw new RangeError('thresholdMs must be > 0');
    this.#thresholdMs = options.thresholdMs;
    // Checking at half the threshold bounds how late a report comes without costing more than a few wake-ups a
    // second; the histogram, not the check's own drift, measures the stall's length.
    this.#intervalMs = Math.min(1_000, Math.max(RESOLUTION_MS * 2, options.thresholdMs / 2));
    this.#onStall = options.onStall;
    this.#notSuspect = options.notSuspect ?? (() => false);
  }

  /** The configured threshold, in ms. */
  get thresholdMs(): number {
    return this.#thresholdMs;
  }

  /** Starts watching. The timer is unref'd: the watchdog never keeps a process or thread alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
    this.#lastCheck = performance.now();
    this.#timer = setInterval(() => this.#check(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops watching (idempotent). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram?.disable();
    this.#histogram = undefined;
  }

  /** Records that a call started; pair with {@link StallWatchdog.callEnded}. */
  callStarted(call: WatchedCall): void {
    this.#inFlight.set(call, performance.now());
  }

  /** Records that a call ended. */
  callEnded(call: WatchedCall): void {
    const startedAt = this.#inFlight.get(call);
    if (startedAt === undefined) return;
    this.#inFlight.delete(call);
    if (call.connectorName === '') return;
    this.#ended.push({ call, startedAt, endedAt: performance.now() });
    if (this.#ended.length > RECENTLY_ENDED) this.#ended.shift();
  }

  /**
   * Runs a connector method and measures its synchronous part (until it returns its promise or iterator). A
   * part at least as long as the threshold makes the call's connector a culprit of the stall it caused.
   */
  timeSync<T>(call: WatchedCall, invoke: () => T): T {
    const started = performance.now();
    try {
      return invoke();
    } finally {
      const syncMs = performance.now() - started;
      if (syncMs >= this.#thresholdMs) {
        this.#culprits.push({
          connector: call.connectorName,
          taskType: call.taskType,
          operation: call.operation,
          syncMs,
        });
      }
    }
  }

  /** An async iterable whose every `next()` is measured like {@link StallWatchdog.timeSync}. */
  timeIterable<T>(call: WatchedCall, iterable: AsyncIterable<T>): AsyncIterable<T> {
    return {
      [Symbol.asyncIterator]: () => {
        const iterator = this.timeSync(call, () => iterable[Symbol.asyncIterator]());
        return {
          next: () => this.timeSync(call, () => iterator.next()),
          return: async (value?: unknown) =>
            iterator.return === undefined
              ? { done: true as const, value: undefined }
              : iterator.return(value),
        };
      },
    };
  }

  #check(): void {
    const now = performance.now();
    const drift = now - this.#lastCheck - this.#intervalMs;
    this.#lastCheck = now;
    const histogram = this.#histogram;
    // Histogram samples are the time between two of its ticks, so the delay is what exceeds the resolution.
    const sampled =
      histogram === undefined || histogram.count === 0 ? 0 : histogram.max / 1e6 - RESOLUTION_MS;
    histogram?.reset();
    const culprits = this.#culprits;
    this.#culprits = [];
    const blockedMs = Math.max(drift, sampled, ...culprits.map((culprit) => culprit.syncMs));
    if (blockedMs < this.#thresholdMs) {
      this.#forgetEndedBefore(now - 2 * this.#intervalMs - this.#thresholdMs);
      return;
    }
    const suspects = culprits.length > 0 ? [] : this.#suspects(now, blockedMs);
    this.#forgetEndedBefore(now);
    this.#onStall({
      blockedMs: Math.round(blockedMs),
      thresholdMs: this.#thresholdMs,
      culprits: culprits.map((culprit) => ({ ...culprit, syncMs: Math.round(culprit.syncMs) })),
      suspects,
    });
  }

  /**
   * Calls that overlapped the stall: in flight before it ended, or ended after it began. A call that started
   * after most of the stall (queued behind it) cannot have caused it.
   */
  #suspects(now: number, blockedMs: number): StallSuspect[] {
    const startedBefore = now - blockedMs / 2;
    // The check runs right after the stall, so it began about blockedMs ago; a call that ended before that
    // is innocent. The margin covers the delay histogram's resolution.
    const endedAfter = now - blockedMs - 2 * RESOLUTION_MS;
    const seen = new Set<string>();
    const suspects: StallSuspect[] = [];
    const add = (call: WatchedCall) => {
      if (call.connectorName === '' || this.#notSuspect(call.connectorName)) return;
      const key = `${call.connectorName}\u0000${call.taskType}\u0000${call.operation}`;
      if (seen.has(key)) return;
      seen.add(key);
      suspects.push({ connector: call.connectorName, taskType: call.taskType, operation: call.operation });
    };
    for (const [call, startedAt] of this.#inFlight) if (startedAt <= startedBefore) add(call);
    for (const { call, startedAt, endedAt } of this.#ended) {
      if (startedAt <= startedBefore && endedAt >= endedAfter) add(call);
    }
    return suspects;
  }

  #forgetEndedBefore(time: number): void {
    while (this.#ended.length > 0 && this.#ended[0]!.endedAt < time) this.#ended.shift();
  }
}
