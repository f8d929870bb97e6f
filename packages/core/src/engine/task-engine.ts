import { EventEmitter } from 'node:events';
import type { ConnectorClient, CreateTaskInput, TaskReference } from '../client/types.js';
import type { TaskCategory } from '../connector.js';
import { ConnectorError, InternalError } from '../errors.js';
import type { Resource } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { TaskPhase } from '../phase.js';
import { FifoQueue } from './fifo-queue.js';
import { MinHeap } from './min-heap.js';
import { isFinalPhase, readPhase, type FinalPhase } from './phase-mapping.js';
import { TokenBucket } from './token-bucket.js';
import {
  EngineClosedError,
  type EngineStats,
  type FinalReason,
  type FinalState,
  type TaskEngineEvents,
  type TaskEngineOptions,
  type TaskState,
  type TrackedTask,
} from './types.js';

/** Flyte's web-API plugin defaults (`webapi.PluginConfig` of the connector plugin). */
export const ENGINE_DEFAULTS = {
  /** {@link TaskEngineOptions.resyncMs} */
  resyncMs: 30_000,
  /** {@link TaskEngineOptions.workers} */
  workers: 10,
  /** {@link TaskEngineOptions.readQps} */
  readQps: 10,
  /** {@link TaskEngineOptions.readBurst} */
  readBurst: 100,
  /** {@link TaskEngineOptions.writeQps} */
  writeQps: 10,
  /** {@link TaskEngineOptions.writeBurst} */
  writeBurst: 100,
  /** {@link TaskEngineOptions.maxGetFailures} */
  maxGetFailures: 5,
  /** {@link TaskEngineOptions.deleteAttempts} */
  deleteAttempts: 3,
} as const;

const DELETE_RETRY_BASE_MS = 250;

type PhaseKey = TaskPhase | 'PENDING';

/** The engine's record of one task; handed out as a {@link TrackedTask}. */
class EngineTask implements TrackedTask {
  state: TaskState = 'waiting';
  phase: TaskPhase | undefined;
  resource: Resource | undefined;
  resourceMeta: Uint8Array | undefined;
  consecutiveGetFailures = 0;
  lastGetError: ConnectorError | undefined;
  /** When the next regular poll is due (`performance.now()` time); meaningful while queued. */
  dueAt = 0;
  /** Released once the task is created (templates can be large; the engine may hold thousands). */
  input: CreateTaskInput | undefined;
  /** Cancels the write-token wait or an in-flight GetTask when the task is aborted or the engine closes. */
  readonly controller = new AbortController();
  abortRequested = false;
  readonly done: Promise<FinalState>;
  resolve!: (final: FinalState) => void;
  reject!: (error: unknown) => void;
  private readonly outputPrefix: string;
  private readonly connection: CreateTaskInput['connection'];

  constructor(
    readonly id: number,
    readonly category: TaskCategory,
    input: CreateTaskInput,
    private readonly onAbort: (task: EngineTask) => void,
  ) {
    this.input = input;
    this.outputPrefix = input.outputPrefix;
    this.connection = input.connection;
    this.done = new Promise<FinalState>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Pre-handled: a closed engine must not crash a process that never looks at `done`.
    this.done.catch(() => undefined);
  }

  abort(): Promise<FinalState> {
    this.onAbort(this);
    return this.done;
  }

  /** What GetTask and DeleteTask need. */
  reference(): TaskReference {
    return {
      category: this.category,
      resourceMeta: this.resourceMeta!,
      outputPrefix: this.outputPrefix,
      connection: this.connection,
    };
  }
}

/**
 * Tracks many in-flight connector tasks the way Flyte's backend does (the TypeScript counterpart of flytepropeller's
 * web-API plugin machinery): CreateTask behind a write rate limiter, an immediate GetTask, then re-polling every
 * `resyncMs` by `workers` concurrent pollers behind a read rate limiter, until the connector reports a final phase.
 * Finalized tasks are dropped from the engine; `abort()` sends DeleteTask.
 *
 * Built to hold tens of thousands of tasks: there are no per-task timers (one scheduler timer serves every task),
 * and each poll costs O(1) bookkeeping. Regular polls sit in a FIFO queue, which is sorted by due time because every
 * task is re-queued `resyncMs` after its previous poll ended; only custom retry delays use a heap.
 *
 * @example
 * const engine = new TaskEngine({ client, resyncMs: 1000 });
 * const task = engine.submit({ template, inputs, outputPrefix });
 * engine.on('phase', ({ task, phase }) => console.log(task.id, phase));
 * const final = await task.done;
 */
export class TaskEngine extends EventEmitter<TaskEngineEvents> {
  private readonly client: ConnectorClient;
  private readonly resyncMs: number;
  private readonly workers: number;
  private readonly maxGetFailures: number;
  private readonly deleteAttempts: number;
  private readonly callTimeoutMs: number | undefined;
  private readonly getRetryDelayMs: ((failures: number) => number) | undefined;
  private readonly readLimiter: TokenBucket;
  private readonly writeLimiter: TokenBucket;

  private readonly tasks = new Map<number, EngineTask>();
  /** Tasks just created, polled before any other (Flyte's immediate Get after Create). */
  private readonly immediate = new FifoQueue<EngineTask>();
  /** Tasks due `resyncMs` after their last poll: in due order, since every task waits the same time. */
  private readonly regular = new FifoQueue<EngineTask>();
  /** Tasks re-polled after a custom retry delay. */
  private readonly delayed = new MinHeap<EngineTask>();

  private nextId = 1;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;
  private finalized = 0;
  private readonly counts = { waiting: 0, creating: 0, tracking: 0, aborting: 0 };
  private readonly byPhase = new Map<PhaseKey, number>();
  private readonly calls = { create: 0, createFailed: 0, get: 0, getFailed: 0, delete: 0, deleteFailed: 0 };

  constructor(options: TaskEngineOptions) {
    super();
    this.client = options.client;
    this.resyncMs = positive('resyncMs', options.resyncMs ?? ENGINE_DEFAULTS.resyncMs, true);
    this.workers = positiveInteger('workers', options.workers ?? ENGINE_DEFAULTS.workers);
    this.maxGetFailures = positiveInteger(
      'maxGetFailures',
      options.maxGetFailures ?? ENGINE_DEFAULTS.maxGetFailures,
    );
    this.deleteAttempts = positiveInteger(
      'deleteAttempts',
      options.deleteAttempts ?? ENGINE_DEFAULTS.deleteAttempts,
    );
    this.callTimeoutMs = options.callTimeoutMs;
    this.getRetryDelayMs = options.getRetryDelayMs;
    this.readLimiter = new TokenBucket({
      qps: options.readQps ?? ENGINE_DEFAULTS.readQps,
      burst: options.readBurst ?? ENGINE_DEFAULTS.readBurst,
    });
    this.writeLimiter = new TokenBucket({
      qps: options.writeQps ?? ENGINE_DEFAULTS.writeQps,
      burst: options.writeBurst ?? ENGINE_DEFAULTS.writeBurst,
    });
  }

  /**
   * Starts tracking a task: CreateTask as soon as a write token is available, then polling.
   *
   * @param category the task category GetTask and DeleteTask name; by default the template's
   *   `type` and `task_type_version`, which is how Flyte picks the connector
   * @throws EngineClosedError after `close()`
   */
  submit(input: CreateTaskInput, category?: TaskCategory): TrackedTask {
    if (this.closed) throw new EngineClosedError();
    const task = new EngineTask(
      this.nextId++,
      category ?? { name: input.template.type, version: input.template.taskTypeVersion },
      input,
      (t) => this.abortTask(t),
    );
    this.tasks.set(task.id, task);
    this.counts.waiting += 1;
    void this.launch(task);
    return task;
  }

  /** A task the engine still tracks, by id. */
  get(id: number): TrackedTask | undefined {
    return this.tasks.get(id);
  }

  /** A snapshot of the engine's bookkeeping. */
  stats(): EngineStats {
    return {
      tracked: this.tasks.size,
      waiting: this.counts.waiting,
      creating: this.counts.creating,
      polling: this.counts.tracking,
      aborting: this.counts.aborting,
      inFlightGets: this.inFlight,
      byPhase: Object.fromEntries(this.byPhase),
      calls: { ...this.calls },
      finalized: this.finalized,
    };
  }

  /** Aborts every tracked task (DeleteTask for those created) and resolves with their final states. */
  abortAll(): Promise<FinalState[]> {
    return Promise.all([...this.tasks.values()].map((task) => task.abort()));
  }

  /**
   * Stops the engine: no further calls are started, in-flight GetTasks are cancelled and the `done` of every task
   * still tracked rejects with {@link EngineClosedError}. Remote tasks are NOT deleted (call `abortAll()` first for
   * that), and the client is not closed (it belongs to the caller).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    const error = new EngineClosedError();
    this.readLimiter.rejectAll(error);
    this.writeLimiter.rejectAll(error);
    for (const task of this.tasks.values()) {
      task.controller.abort(error);
      this.setState(task, 'done');
      task.reject(error);
    }
    this.tasks.clear();
    this.byPhase.clear();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Create

  private async launch(task: EngineTask): Promise<void> {
    try {
      await this.writeLimiter.acquire(task.controller.signal);
    } catch {
      // Aborted while waiting (nothing was created) or the engine closed.
      if (task.state === 'aborting')
        this.finish(task, 'ABORTED', 'aborted', 'Aborted before the task was created.');
      return;
    }
    if (task.state === 'aborting') {
      // The token was granted just as abort() arrived: still nothing created.
      this.finish(task, 'ABORTED', 'aborted', 'Aborted before the task was created.');
      return;
    }
    if (task.state !== 'waiting') return;
    this.setState(task, 'creating');
    this.calls.create += 1;
    let resourceMeta: Uint8Array;
    try {
      resourceMeta = await this.client.create(task.input!, this.callOptions());
    } catch (error) {
      this.calls.createFailed += 1;
      if (this.closed) return;
      const failure = asConnectorError(error);
      if (task.abortRequested)
        this.finish(task, 'ABORTED', 'aborted', 'Aborted; CreateTask failed.', failure);
      else this.finish(task, 'RETRYABLE_FAILED', 'create-failed', failure.message, failure);
      return;
    }
    if (this.closed) return;
    task.resourceMeta = resourceMeta;
    task.input = undefined;
    this.countPhase(undefined, 'PENDING');
    safely(() => this.emit('created', task));
    if (task.abortRequested) {
      // abort() arrived while CreateTask was in flight: the task exists now, so delete it.
      void this.deleteAndFinish(task);
      return;
    }
    this.setState(task, 'tracking');
    this.immediate.push(task);
    this.pump();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Scheduling: one timer, FIFO queues, `workers` polls in flight at most.

  private pump(): void {
    if (this.closed) return;
    const now = performance.now();
    while (this.inFlight < this.workers) {
      const task = this.nextDue(now);
      if (task === undefined) break;
      this.inFlight += 1;
      void this.poll(task);
    }
    this.arm(now);
  }

  /** The next task due for a poll, or undefined. Tasks that stopped being tracked are dropped on the way. */
  private nextDue(now: number): EngineTask | undefined {
    for (let task = this.immediate.shift(); task !== undefined; task = this.immediate.shift()) {
      if (task.state === 'tracking') return task;
    }
    for (;;) {
      this.dropStale();
      const regularDue = this.regular.peek()?.dueAt ?? Infinity;
      const delayedDue = this.delayed.peekKey() ?? Infinity;
      if (Math.min(regularDue, delayedDue) > now) return undefined;
      const task = regularDue <= delayedDue ? this.regular.shift() : this.delayed.pop();
      if (task?.state === 'tracking') return task;
    }
  }

  /** Removes aborted or finished tasks from the queue heads so that they do not hold the timer. */
  private dropStale(): void {
    while (this.regular.peek() !== undefined && this.regular.peek()!.state !== 'tracking')
      this.regular.shift();
    while (this.delayed.peek() !== undefined && this.delayed.peek()!.state !== 'tracking') this.delayed.pop();
  }

  private arm(now: number): void {
    if (this.inFlight >= this.workers) {
      // A finishing poll pumps again; no timer needed until then.
      this.clearTimer();
      return;
    }
    this.dropStale();
    const due = Math.min(this.regular.peek()?.dueAt ?? Infinity, this.delayed.peekKey() ?? Infinity);
    if (due === Infinity) {
      this.clearTimer();
      return;
    }
    if (this.timer !== undefined && this.timerAt <= due) return;
    this.clearTimer();
    this.timerAt = due;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, Math.ceil(due - now)),
    );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Get

  private async poll(task: EngineTask): Promise<void> {
    try {
      await this.readLimiter.acquire(task.controller.signal);
    } catch {
      this.inFlight -= 1;
      this.pump();
      return;
    }
    if (task.state !== 'tracking') {
      this.inFlight -= 1;
      this.pump();
      return;
    }
    this.calls.get += 1;
    let resource: Resource | undefined;
    let failure: ConnectorError | undefined;
    try {
      resource = await this.client.get(task.reference(), {
        ...this.callOptions(),
        signal: task.controller.signal,
      });
    } catch (error) {
      failure = asConnectorError(error);
    }
    this.inFlight -= 1;
    if (task.state === 'tracking' && !this.closed) {
      if (failure !== undefined) this.onGetError(task, failure);
      else this.onResource(task, resource!);
    }
    this.pump();
  }

  private onResource(task: EngineTask, resource: Resource): void {
    task.consecutiveGetFailures = 0;
    task.lastGetError = undefined;
    task.resource = resource;
    const reading = readPhase(resource, this.client.protocol);
    if (!reading.ok) {
      this.finish(task, 'FAILED', 'bad-phase', reading.problem);
      return;
    }
    const previousPhase = task.phase;
    const phase = reading.phase;
    task.phase = phase;
    this.countPhase(previousPhase ?? 'PENDING', phase);
    const update = { task, phase, previousPhase, resource };
    safely(() => this.emit('update', update));
    if (phase !== previousPhase) safely(() => this.emit('phase', update));
    if (task.state !== 'tracking') return; // a listener aborted it
    if (isFinalPhase(phase)) {
      this.finish(task, phase, 'completed', resource.message);
      return;
    }
    this.scheduleRegular(task);
  }

  private onGetError(task: EngineTask, error: ConnectorError): void {
    this.calls.getFailed += 1;
    task.consecutiveGetFailures += 1;
    task.lastGetError = error;
    const failures = task.consecutiveGetFailures;
    safely(() => this.emit('getError', task, error, failures));
    if (task.state !== 'tracking') return;
    if (failures >= this.maxGetFailures) {
      this.finish(
        task,
        'FAILED',
        'get-failures',
        `GetTask failed ${failures} times in a row; last error: ${error.message}`,
        error,
      );
      return;
    }
    if (this.getRetryDelayMs === undefined) this.scheduleRegular(task);
    else this.delayed.push(performance.now() + Math.max(0, this.getRetryDelayMs(failures)), task);
  }

  private scheduleRegular(task: EngineTask): void {
    task.dueAt = performance.now() + this.resyncMs;
    this.regular.push(task);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Abort, finalization

  private abortTask(task: EngineTask): void {
    if (this.closed || task.state === 'done' || task.state === 'aborting' || task.abortRequested) return;
    task.abortRequested = true;
    const previous = task.state;
    this.setState(task, 'aborting');
    if (previous === 'waiting') {
      // launch() sees the rejected token wait and finishes the task: nothing was created.
      task.controller.abort();
      return;
    }
    if (previous === 'creating') return; // launch() deletes once CreateTask answers
    task.controller.abort(); // cancels an in-flight GetTask; queued polls are skipped
    void this.deleteAndFinish(task);
  }

  private async deleteAndFinish(task: EngineTask): Promise<void> {
    if (task.state !== 'aborting') this.setState(task, 'aborting');
    let lastError: ConnectorError | undefined;
    for (let attempt = 1; attempt <= this.deleteAttempts; attempt += 1) {
      try {
        await this.writeLimiter.acquire();
        if (this.closed) return;
        this.calls.delete += 1;
        await this.client.delete(task.reference(), this.callOptions());
        this.finish(task, 'ABORTED', 'aborted', 'Aborted; DeleteTask succeeded.', undefined, true);
        return;
      } catch (error) {
        if (this.closed) return;
        this.calls.deleteFailed += 1;
        lastError = asConnectorError(error);
        if (attempt < this.deleteAttempts) await sleep(DELETE_RETRY_BASE_MS * 2 ** (attempt - 1));
      }
    }
    this.finish(
      task,
      'ABORTED',
      'aborted',
      `Aborted, but DeleteTask failed ${this.deleteAttempts} times: ${lastError?.message ?? ''}`,
      lastError,
    );
  }

  private finish(
    task: EngineTask,
    phase: FinalPhase,
    reason: FinalReason,
    message: string,
    error?: ConnectorError,
    deleted = false,
  ): void {
    if (task.state === 'done') return;
    this.setState(task, 'done');
    if (task.resourceMeta !== undefined) this.countPhase(task.phase ?? 'PENDING', undefined);
    this.tasks.delete(task.id);
    task.input = undefined;
    this.finalized += 1;
    const final: FinalState = {
      phase,
      reason,
      message,
      resource: task.resource,
      resourceMeta: task.resourceMeta,
      error: error ?? (reason === 'get-failures' ? task.lastGetError : undefined),
      deleted,
    };
    task.resolve(final);
    safely(() => this.emit('done', task, final));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Bookkeeping

  private setState(task: EngineTask, state: TaskState): void {
    if (task.state !== 'done') this.counts[task.state] -= 1;
    task.state = state;
    if (state !== 'done') this.counts[state] += 1;
  }

  private countPhase(from: PhaseKey | undefined, to: PhaseKey | undefined): void {
    if (from === to) return;
    if (from !== undefined) {
      const left = (this.byPhase.get(from) ?? 0) - 1;
      if (left > 0) this.byPhase.set(from, left);
      else this.byPhase.delete(from);
    }
    if (to !== undefined) this.byPhase.set(to, (this.byPhase.get(to) ?? 0) + 1);
  }

  private callOptions(): { timeoutMs?: number } {
    return this.callTimeoutMs === undefined ? {} : { timeoutMs: this.callTimeoutMs };
  }
}

function asConnectorError(error: unknown): ConnectorError {
  if (ConnectorError.is(error)) return error;
  return new InternalError(error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * Runs a listener call without letting its exception corrupt the engine's state; the exception is rethrown on its
 * own tick, where it surfaces like any other uncaught listener error.
 */
function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
  }
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}
