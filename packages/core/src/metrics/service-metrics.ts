import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import { Tally, TalliedHistogram, TalliedSummary } from './tallies.js';

/** The `operation` label values: one per RPC kind (Flyte 1 and Flyte 2 share them). */
export const OPERATIONS = [
  'create',
  'get',
  'delete',
  'get_metrics',
  'get_logs',
  'do',
  'list',
  'get_connector',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The gRPC status code a failed call ended with, by its canonical name. */
export type GrpcCodeName =
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

/** The metric names; the first four are those of the Python servers, so existing dashboards keep working. */
export const METRIC_NAMES = {
  success: 'flyte_connector_requests_success_total',
  failure: 'flyte_connector_requests_failure_total',
  latency: 'flyte_connector_request_latency_seconds',
  inputBytes: 'flyte_connector_input_literal_bytes',
  grpcErrors: 'flyte_connector_grpc_errors_total',
  inFlight: 'flyte_connector_requests_in_flight',
  queueWait: 'flyte_connector_queue_wait_seconds',
  duration: 'flyte_connector_request_duration_seconds',
  eventLoopBlocked: 'flyte_connector_event_loop_blocked_seconds_total',
  eventLoopStalls: 'flyte_connector_event_loop_stalls_total',
  workerExits: 'flyte_connector_worker_exits_total',
  workerHeap: 'flyte_connector_worker_heap_used_bytes',
} as const;

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const QUEUE_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The task type label value of calls beyond `maxTaskTypes` distinct task types. */
export const OVERFLOW_TASK_TYPE = '__other__';

export interface ServiceMetricsOptions {
  /** Register prom-client's process metrics (CPU, memory, GC, event loop lag) too. Default true. */
  readonly defaultMetrics?: boolean;
  /**
   * Task types come from requests, and an unknown one is still counted (as a 404), so a misbehaving client could
   * grow the label set without bound. Calls of further task types are counted under `__other__`. Default 256.
   */
  readonly maxTaskTypes?: number;
}

/** One metered call: end it exactly once (later ends are ignored). */
export interface CallMeter {
  succeed(): void;
  fail(code: GrpcCodeName): void;
}

/**
 * The per-(task type, operation) tallies. Counters, the in-flight gauge and the latency observations are plain
 * fields read by prom-client at scrape time, so a call costs a few increments rather than a label hash per metric
 * update.
 */
class CallSeries {
  success = 0;
  inFlight = 0;
  /** By Python's `error_code` label value ("404" / "500"). */
  readonly failures = new Map<string, number>();
  readonly grpcErrors = new Map<GrpcCodeName, number>();
  /** Call durations: both the latency summary and the duration histogram read it. */
  readonly tally = new Tally(DURATION_BUCKETS);
  readonly labels: { readonly task_type: string; readonly operation: Operation };

  constructor(taskType: string, operation: Operation) {
    this.labels = { task_type: taskType, operation };
  }
}

class ActiveCall implements CallMeter {
  #done = false;

  constructor(
    private readonly series: CallSeries,
    private readonly startedMs: number,
  ) {}

  succeed(): void {
    if (this.#finish()) this.series.success++;
  }

  fail(code: GrpcCodeName): void {
    if (!this.#finish()) return;
    // The Python servers' convention: 404 for an unknown connector (the only NOT_FOUND they raise), 500 otherwise.
    const errorCode = code === 'NOT_FOUND' ? '404' : '500';
    const { failures, grpcErrors } = this.series;
    failures.set(errorCode, (failures.get(errorCode) ?? 0) + 1);
    grpcErrors.set(code, (grpcErrors.get(code) ?? 0) + 1);
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.series.inFlight--;
    this.series.tally.observe((performance.now() - this.startedMs) / 1000);
    return true;
  }
}

/** The series of one task type label value. */
class TaskTypeSeries {
  readonly byOperation = new Map<Operation, CallSeries>();
  /** Created on the first CreateTask, so that task types never created export no input size series. */
  inputBytes: Tally | undefined;

  constructor(readonly label: string) {}
}

/** The service's Prometheus metrics, on a registry of its own (never prom-client's global one). */
export class ServiceMetrics {
  readonly registry: Registry;
  readonly #maxTaskTypes: number;
  readonly #taskTypes = new Map<string, TaskTypeSeries>();
  readonly #queueWait = new Map<Operation, Tally>();
  // Plain tallies read at scrape time, like the call counters. Keys are label values joined by NUL.
  readonly #blockedSeconds = new Map<string, number>();
  readonly #stalls = new Map<string, number>();
  readonly #workerExits = new Map<string, number>();
  readonly #workerHeaps = new Map<string, () => Promise<number | undefined>>();

  constructor(registry: Registry, options: ServiceMetricsOptions = {}) {
    this.registry = registry;
    this.#maxTaskTypes = options.maxTaskTypes ?? 256;
    const registers = [registry];
    const allSeries = (): CallSeries[] =>
      [...this.#taskTypes.values()].flatMap((group) => [...group.byOperation.values()]);

    new Counter({
      name: METRIC_NAMES.success,
      help: 'Total number of successful requests',
      labelNames: ['task_type', 'operation'],
      registers,
      collect() {
        this.reset();
        for (const series of allSeries()) this.inc(series.labels, series.success);
      },
    });
    new Counter({
      name: METRIC_NAMES.failure,
      help: 'Total number of failed requests (error_code 404: unknown connector, 500: any other error)',
      labelNames: ['task_type', 'operation', 'error_code'],
      registers,
      collect() {
        this.reset();
        for (const series of allSeries()) {
          for (const [errorCode, count] of series.failures)
            this.inc({ ...series.labels, error_code: errorCode }, count);
        }
      },
    });
    new Counter({
      name: METRIC_NAMES.grpcErrors,
      help: 'Total number of failed requests by gRPC status code',
      labelNames: ['task_type', 'operation', 'code'],
      registers,
      collect() {
        this.reset();
        for (const series of allSeries()) {
          for (const [code, count] of series.grpcErrors) this.inc({ ...series.labels, code }, count);
        }
      },
    });
    new Gauge({
      name: METRIC_NAMES.inFlight,
      help: 'Number of requests being processed',
      labelNames: ['task_type', 'operation'],
      registers,
      collect() {
        this.reset();
        for (const series of allSeries()) this.set(series.labels, series.inFlight);
      },
    });
    // Summaries exactly as the Python servers expose them: _count and _sum only (Python's prometheus_client has
    // no summary quantiles). Quantiles cannot be aggregated across replicas; latency percentiles come from the
    // duration histogram instead.
    const callTallies = () => allSeries().map((series) => ({ labels: series.labels, tally: series.tally }));
    new TalliedSummary({
      name: METRIC_NAMES.latency,
      help: 'Time spent processing a request, in seconds',
      labelNames: ['task_type', 'operation'],
      registry,
      series: callTallies,
    });
    const taskTypes = this.#taskTypes;
    new TalliedSummary({
      name: METRIC_NAMES.inputBytes,
      help: 'Size of the input literals of created tasks, in bytes',
      labelNames: ['task_type'],
      registry,
      series: () =>
        [...taskTypes.values()].flatMap((group) =>
          group.inputBytes === undefined
            ? []
            : [{ labels: { task_type: group.label }, tally: group.inputBytes }],
        ),
    });
    new TalliedHistogram({
      name: METRIC_NAMES.duration,
      help: 'Time spent processing a request, in seconds (histogram: aggregate across replicas with histogram_quantile)',
      labelNames: ['task_type', 'operation'],
      buckets: DURATION_BUCKETS,
      registry,
      series: callTallies,
    });
    const queueWait = this.#queueWait;
    new TalliedHistogram({
      name: METRIC_NAMES.queueWait,
      help: 'Time a request waited for a worker slot, in seconds',
      labelNames: ['operation'],
      buckets: QUEUE_WAIT_BUCKETS,
      registry,
      series: () => [...queueWait].map(([operation, tally]) => ({ labels: { operation }, tally })),
    });
    const blockedSeconds = this.#blockedSeconds;
    const stalls = this.#stalls;
    const workerExits = this.#workerExits;
    const workerHeaps = this.#workerHeaps;
    new Counter({
      name: METRIC_NAMES.eventLoopBlocked,
      help: 'Time connector methods blocked the event loop synchronously, beyond the stall threshold, in seconds',
      labelNames: ['task_type'],
      registers,
      collect() {
        this.reset();
        for (const [taskType, seconds] of blockedSeconds) this.inc({ task_type: taskType }, seconds);
      },
    });
    new Counter({
      name: METRIC_NAMES.eventLoopStalls,
      help: 'Event loop stalls beyond the threshold, by the task type blamed (attribution exact: a connector method measured; suspect: calls in flight; none: no call)',
      labelNames: ['task_type', 'attribution'],
      registers,
      collect() {
        this.reset();
        for (const [key, count] of stalls) {
          const [taskType = '', attribution = ''] = key.split('\u0000');
          this.inc({ task_type: taskType, attribution }, count);
        }
      },
    });
    new Counter({
      name: METRIC_NAMES.workerExits,
      help: 'Unplanned ends of isolated connector workers (--isolate), by module and reason',
      labelNames: ['worker', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const [key, count] of workerExits) {
          const [worker = '', reason = ''] = key.split('\u0000');
          this.inc({ worker, reason }, count);
        }
      },
    });
    new Gauge({
      name: METRIC_NAMES.workerHeap,
      help: 'V8 heap used by each isolated connector worker (--isolate), in bytes',
      labelNames: ['worker'],
      registers,
      async collect() {
        this.reset();
        const readings = await Promise.all(
          [...workerHeaps].map(async ([worker, read]) => [worker, await read()] as const),
        );
        for (const [worker, bytes] of readings) if (bytes !== undefined) this.set({ worker }, bytes);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  /** Starts metering a call. Use `''` as the task type of calls that have none (list, get_connector). */
  startCall(taskType: string, operation: Operation): CallMeter {
    const group = this.#group(taskType);
    let series = group.byOperation.get(operation);
    if (series === undefined) {
      series = new CallSeries(group.label, operation);
      group.byOperation.set(operation, series);
    }
    series.inFlight++;
    return new ActiveCall(series, performance.now());
  }

  /** The serialized size of a CreateTask's inputs. */
  observeInputBytes(taskType: string, bytes: number): void {
    const group = this.#group(taskType);
    group.inputBytes ??= new Tally();
    group.inputBytes.observe(bytes);
  }

  /** How long a call waited for a worker slot before it ran. */
  observeQueueWait(operation: Operation, seconds: number): void {
    let tally = this.#queueWait.get(operation);
    if (tally === undefined) {
      tally = new Tally(QUEUE_WAIT_BUCKETS);
      this.#queueWait.set(operation, tally);
    }
    tally.observe(seconds);
  }

  /** Time a connector method blocked the event loop synchronously (a stall attributed exactly). */
  observeEventLoopBlocked(taskType: string, seconds: number): void {
    const label = this.#group(taskType).label;
    this.#blockedSeconds.set(label, (this.#blockedSeconds.get(label) ?? 0) + seconds);
  }

  /** One event loop stall blamed on a task type (`''`: on no call), exactly or as a suspect. */
  countEventLoopStall(taskType: string, attribution: 'exact' | 'suspect' | 'none'): void {
    const key = `${taskType === '' ? '' : this.#group(taskType).label}\u0000${attribution}`;
    this.#stalls.set(key, (this.#stalls.get(key) ?? 0) + 1);
  }

  /** One unplanned end of an isolated worker (`worker`: the module's source). */
  countWorkerExit(worker: string, reason: string): void {
    const key = `${worker}\u0000${reason}`;
    this.#workerExits.set(key, (this.#workerExits.get(key) ?? 0) + 1);
  }

  /** Reports an isolated worker's heap at scrape time (`read` answers undefined while the worker is down). */
  trackWorkerHeap(worker: string, read: () => Promise<number | undefined>): void {
    this.#workerHeaps.set(worker, read);
  }

  #group(taskType: string): TaskTypeSeries {
    const known = this.#taskTypes.get(taskType);
    if (known !== undefined) return known;
    const distinct = this.#taskTypes.size - (this.#taskTypes.has(OVERFLOW_TASK_TYPE) ? 1 : 0);
    const label = distinct < this.#maxTaskTypes ? taskType : OVERFLOW_TASK_TYPE;
    let group = this.#taskTypes.get(label);
    if (group === undefined) {
      group = new TaskTypeSeries(label);
      this.#taskTypes.set(label, group);
    }
    return group;
  }
}
