import { Worker } from 'node:worker_threads';
import { BackendUnavailableError, InternalError } from '../errors.js';
import type { Logger } from '../logger.js';
import { jitteredBackoff, type BackoffOptions } from '../runner/backoff.js';
import { corePackageFile } from '../package-files.js';
import { redactingLogger, redactText } from '../service/redact.js';
import { describeThrown, fromTransferredError, toTransferredError } from './error-transfer.js';
import type { CallMessage, FromWorker, PullResult, ToWorker, WorkerSetup } from './protocol.js';
import type { StallReport } from './stall-watchdog.js';

/** Why a worker ended: what `flyte_connector_worker_exits_total` counts by. */
export type WorkerExitReason = 'out_of_memory' | 'uncaught_exception' | 'exit' | 'start_failed';

/** Settings of a {@link WorkerHost}. */
export interface WorkerHostOptions {
  /** What the worker loads and checks. */
  readonly setup: WorkerSetup;
  /** The worker's `process.env` (the service's environment). */
  readonly env: NodeJS.ProcessEnv;
  /** The worker's heap cap (V8 old generation), in MiB: a leaking module hits it and is restarted. */
  readonly heapMib: number;
  /** The service's logger. */
  readonly logger: Logger;
  /** Answers the worker's server secret reads (Flyte 1 secrets live in the main thread). */
  readonly serverSecret: (key: string) => Promise<string | undefined>;
  /** Receives the worker's event loop stalls. */
  readonly onStall: (report: StallReport, thread: string) => void;
  /** Told about every unplanned end of the worker. */
  readonly onExit: (reason: WorkerExitReason) => void;
  /** Delay between restarts. Default 100 ms doubling to 10 s. */
  readonly restartBackoff?: BackoffOptions;
}

/** The main-thread side of one forwarded call. */
export interface HostCall {
  /** Aborts the worker-side signal, and ends the call here at once. */
  readonly signal: AbortSignal;
  /** Where the connector's log records of this call are written (the dispatcher's call logger). */
  readonly logger: Logger;
  /** The call's secret values: a crash message quoting one is redacted. */
  readonly secrets: readonly string[];
}

/** What travels with a call besides its context. */
export type CallPayload = Pick<CallMessage, 'context' | 'meta' | 'metricsQuery' | 'logsQuery'>;

/** The worker failed to start; `connector` is the index whose `open()` failed, if that was it. */
export class WorkerStartError extends Error {
  /**
   * @param connector - Index of the connector whose `open()` threw; undefined when the module itself failed.
   * @param reason - What failed (the rebuilt error of the worker).
   * @param source - The module.
   */
  constructor(
    readonly connector: number | undefined,
    readonly reason: unknown,
    source: string,
  ) {
    super(
      connector === undefined
        ? `The worker thread of ${source} failed to start: ${reason instanceof Error ? reason.message : String(reason)}`
        : reason instanceof Error
          ? reason.message
          : String(reason),
      { cause: reason },
    );
  }
}

interface Pending {
  readonly connector: number;
  readonly secrets: readonly string[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface ActiveCall {
  readonly logger: Logger;
  readonly secrets: readonly string[];
}

/** Secret values of recent calls, for redacting crash messages thrown after their call ended. */
const RECENT_SECRETS = 256;
/** A worker that ran this long before crashing restarts without the accumulated backoff. */
const HEALTHY_UPTIME_MS = 30_000;
/** The worker's entry: the bundled file, which shares its modules with the bundle the service runs from. */
const WORKER_FILE = 'dist/isolation/worker-main.js';

/**
 * Runs one connector module in a worker thread and forwards calls to it. A crash, exit or out-of-memory of the
 * worker fails its calls in flight with UNAVAILABLE naming the connector and the reason, is logged, and is followed
 * by a restart with backoff; calls that arrive meanwhile wait for the new worker within their deadline.
 */
export class WorkerHost {
  readonly #options: WorkerHostOptions;
  readonly #backoff: (attempt: number) => number;
  readonly #pending = new Map<number, Pending>();
  readonly #calls = new Map<number, ActiveCall>();
  readonly #waiters = new Set<{ resolve: (worker: Worker) => void; reject: (error: Error) => void }>();
  readonly #recentSecrets = new Set<string>();
  readonly #closedConnectors = new Set<number>();
  readonly #connectorLoggers: Logger[];
  #worker: Worker | undefined;
  #ready = false;
  #closed = false;
  #started: Promise<void> | undefined;
  #exitError: unknown;
  #upSince = 0;
  #failures = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Set while restarts fail: calls are refused at once instead of waiting for their deadline. */
  #restartProblem: string | undefined;
  #nextId = 0;

  constructor(options: WorkerHostOptions) {
    this.#options = options;
    this.#backoff = jitteredBackoff(options.restartBackoff ?? { baseMs: 100, maxMs: 10_000 });
    this.#connectorLoggers = options.setup.expected.map((connector) =>
      options.logger.child({ connector: connector.name }),
    );
  }

  /** The module, as listings name it. */
  get source(): string {
    return this.#options.setup.source;
  }

  /** Starts the worker and opens its connectors (once; later calls share the outcome). */
  start(): Promise<void> {
    this.#started ??= this.#spawn();
    return this.#started;
  }

  /** Forwards one unary call and settles with the worker's answer. */
  async call(
    connector: number,
    method: Exclude<CallMessage['method'], 'getLogs'>,
    operation: string,
    payload: CallPayload,
    call: HostCall,
  ): Promise<unknown> {
    const worker = this.#readyWorker() ?? (await this.#whenReady(call.signal, connector));
    const id = ++this.#nextId;
    this.#begin(id, call);
    try {
      return await this.#request(
        worker,
        { type: 'call', id, connector, method, operation, ...payload },
        id,
        connector,
        call,
      );
    } finally {
      this.#calls.delete(id);
    }
  }

  /** Forwards GetTaskLogs: pages are pulled one at a time, so a slow reader never makes the worker buffer. */
  async *stream(connector: number, payload: CallPayload, call: HostCall): AsyncGenerator<unknown> {
    const worker = this.#readyWorker() ?? (await this.#whenReady(call.signal, connector));
    const id = ++this.#nextId;
    this.#begin(id, call);
    let open = false;
    let ended = false;
    try {
      await this.#request(
        worker,
        { type: 'call', id, connector, method: 'getLogs', operation: 'get_logs', ...payload },
        id,
        connector,
        call,
      );
      open = true;
      for (;;) {
        const pull = ++this.#nextId;
        const next = (await this.#request(
          worker,
          { type: 'pull', id: pull, stream: id },
          id,
          connector,
          call,
          pull,
        )) as PullResult;
        if (next.done) {
          ended = true;
          return;
        }
        yield next.page;
      }
    } finally {
      this.#calls.delete(id);
      if (open && !ended && worker === this.#worker) this.#post(worker, { type: 'end-stream', stream: id });
    }
  }

  /** Tells the worker's copy of a connector that mounted server secrets changed. */
  secretsChanged(connector: number, keys: readonly string[]): void {
    const worker = this.#readyWorker();
    if (worker !== undefined) this.#post(worker, { type: 'secrets-changed', connector, keys });
  }

  /** Closes one connector in the worker; once all are closed the worker ends. */
  async closeConnector(connector: number): Promise<void> {
    this.#closedConnectors.add(connector);
    const worker = this.#readyWorker();
    try {
      if (worker !== undefined) {
        const id = ++this.#nextId;
        await this.#request(worker, { type: 'close', id, connector }, id, connector, {
          signal: AbortSignal.timeout(10_000),
          logger: this.#connectorLoggers[connector]!,
          secrets: [],
        });
      }
    } finally {
      if (this.#closedConnectors.size >= this.#options.setup.expected.length) await this.#close();
    }
  }

  /** The worker's used V8 heap in bytes; undefined while it is down or too busy to answer within 250 ms. */
  async heapUsedBytes(): Promise<number | undefined> {
    const worker = this.#readyWorker();
    // Worker.getHeapStatistics exists from Node 22.16; the service supports 22.12.
    if (worker === undefined || typeof worker.getHeapStatistics !== 'function') return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 250);
    });
    try {
      const stats = await Promise.race([worker.getHeapStatistics().catch(() => undefined), timeout]);
      return stats?.used_heap_size;
    } finally {
      clearTimeout(timer);
    }
  }

  #readyWorker(): Worker | undefined {
    return this.#ready ? this.#worker : undefined;
  }

  #begin(id: number, call: HostCall): void {
    this.#calls.set(id, { logger: call.logger, secrets: call.secrets });
    for (const secret of call.secrets) {
      if (secret.length < 4) continue;
      this.#recentSecrets.delete(secret);
      this.#recentSecrets.add(secret);
      if (this.#recentSecrets.size > RECENT_SECRETS) {
        this.#recentSecrets.delete(this.#recentSecrets.values().next().value!);
      }
    }
  }

  /** Sends one request and settles with its answer, the call's abort, or the worker's end. */
  #request(
    worker: Worker,
    message: ToWorker,
    callId: number,
    connector: number,
    call: HostCall,
    requestId = callId,
  ): Promise<unknown> {
    if (worker !== this.#worker || !this.#ready) {
      return Promise.reject(this.#unavailable(connector, this.#restartProblem ?? 'is restarting'));
    }
    if (call.signal.aborted) return Promise.reject(abortReason(call.signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(requestId);
        this.#post(worker, { type: 'abort', id: callId, reason: toTransferredError(call.signal.reason) });
        reject(abortReason(call.signal));
      };
      const settle =
        <T>(next: (value: T) => void) =>
        (value: T) => {
          call.signal.removeEventListener('abort', onAbort);
          this.#pending.delete(requestId);
          next(value);
        };
      this.#pending.set(requestId, {
        connector,
        secrets: call.secrets,
        resolve: settle(resolve),
        reject: settle(reject),
      });
      call.signal.addEventListener('abort', onAbort, { once: true });
      try {
        worker.postMessage(message);
      } catch (error) {
        this.#pending
          .get(requestId)
          ?.reject(
            new InternalError(
              `The call cannot be passed to the worker thread of ${this.source}: ${
                error instanceof Error ? error.message : describeThrown(error)
              }`,
            ),
          );
      }
    });
  }

  #post(worker: Worker, message: ToWorker): void {
    try {
      worker.postMessage(message);
    } catch {
      // Only plain data is posted here; a worker that is gone simply does not receive it.
    }
  }

  #whenReady(signal: AbortSignal, connector: number): Promise<Worker> {
    if (this.#closed) return Promise.reject(this.#unavailable(connector, 'is shut down'));
    if (this.#restartProblem !== undefined) {
      return Promise.reject(this.#unavailable(connector, this.#restartProblem));
    }
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (worker: Worker) => {
          signal.removeEventListener('abort', onAbort);
          resolve(worker);
        },
        reject: (error: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        this.#waiters.delete(waiter);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  #spawn(): Promise<void> {
    const { setup, env, heapMib } = this.#options;
    const worker = new Worker(corePackageFile(WORKER_FILE), {
      workerData: setup,
      env,
      resourceLimits: { maxOldGenerationSizeMb: heapMib },
      name: `flyte-connector ${setup.source}`,
    });
    // The gRPC server keeps the process alive; a worker must not keep a failed start-up from exiting.
    worker.unref();
    this.#worker = worker;
    this.#ready = false;
    this.#exitError = undefined;
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (worker !== this.#worker) return;
        if (message.type === 'ready') {
          this.#ready = true;
          this.#upSince = performance.now();
          this.#restartProblem = undefined;
          for (const waiter of [...this.#waiters]) waiter.resolve(worker);
          this.#waiters.clear();
          resolve();
          return;
        }
        if (message.type === 'start-failed') {
          reject(new WorkerStartError(message.connector, fromTransferredError(message.error), setup.source));
          this.#worker = undefined;
          void worker.terminate();
          return;
        }
        this.#onMessage(worker, message);
      });
      worker.on('error', (error) => {
        if (worker === this.#worker) this.#exitError = error;
      });
      worker.on('exit', (code) => {
        if (worker !== this.#worker) return;
        this.#worker = undefined;
        const wasReady = this.#ready;
        this.#ready = false;
        if (!wasReady) {
          const reason = exitReason(this.#exitError, code, heapMib);
          reject(new WorkerStartError(undefined, new Error(`the worker ${reason.text}`), setup.source));
          return;
        }
        this.#onCrash(code);
      });
    });
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    switch (message.type) {
      case 'result':
        this.#pending.get(message.id)?.resolve(message.value);
        return;
      case 'error':
        this.#pending.get(message.id)?.reject(fromTransferredError(message.error));
        return;
      case 'log': {
        const call = message.call === undefined ? undefined : this.#calls.get(message.call);
        // A record after its call ended (or from module code) is redacted with the secrets of recent calls.
        let logger =
          call?.logger ??
          redactingLogger(
            this.#connectorLoggers[message.connector] ?? this.#options.logger.child({ worker: this.source }),
            [...this.#recentSecrets],
          );
        for (const bindings of message.bindings) logger = logger.child(bindings);
        if (message.fields === undefined) logger[message.level](message.message ?? '');
        else logger[message.level](message.fields, message.message);
        return;
      }
      case 'stall':
        this.#options.onStall(message.report, `worker thread of ${this.source}`);
        return;
      case 'server-secret':
        this.#options.serverSecret(message.key).then(
          (value) => this.#post(worker, { type: 'server-secret', id: message.id, value }),
          () => this.#post(worker, { type: 'server-secret', id: message.id, value: undefined }),
        );
        return;
      default:
        return;
    }
  }

  #onCrash(code: number): void {
    const inFlight = [...this.#pending.values()];
    const secrets = [...inFlight.flatMap((pending) => pending.secrets), ...this.#recentSecrets];
    const reason = exitReason(this.#exitError, code, this.#options.heapMib);
    const detail = redactText(reason.text, secrets);
    this.#pending.clear();
    for (const pending of inFlight) pending.reject(this.#unavailable(pending.connector, detail));
    this.#options.onExit(reason.code);
    if (this.#closed) return;
    if (performance.now() - this.#upSince >= HEALTHY_UPTIME_MS) this.#failures = 0;
    const restartInMs = Math.round(this.#backoff(++this.#failures));
    const names = this.#options.setup.expected.map((connector) => `'${connector.name}'`).join(', ');
    this.#options.logger.error(
      {
        event: 'connector_worker_exit',
        worker: this.source,
        connectors: this.#options.setup.expected.map((connector) => connector.name),
        reason: reason.code,
        detail,
        ...(this.#exitError instanceof Error
          ? { err: { type: this.#exitError.name, stack: redactText(this.#exitError.stack ?? '', secrets) } }
          : {}),
        exitCode: code,
        inFlight: inFlight.length,
        restartInMs,
      },
      `isolated worker of connector ${names} (${this.source}) ${detail}; ` +
        `${inFlight.length} call(s) in flight failed with UNAVAILABLE; restarting in ${restartInMs} ms`,
    );
    this.#scheduleRestart(restartInMs);
  }

  #scheduleRestart(delayMs: number): void {
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#closed) return;
      this.#spawn().then(
        () =>
          this.#options.logger.info(
            { event: 'connector_worker_restarted', worker: this.source },
            `isolated worker of ${this.source} restarted`,
          ),
        (error: unknown) => {
          this.#options.onExit('start_failed');
          const problem = `could not be restarted (${error instanceof Error ? error.message : describeThrown(error)})`;
          this.#restartProblem = problem;
          for (const waiter of [...this.#waiters]) waiter.reject(this.#unavailable(undefined, problem));
          this.#waiters.clear();
          const next = Math.round(this.#backoff(++this.#failures));
          this.#options.logger.error(
            { event: 'connector_worker_restart_failed', worker: this.source, err: error, restartInMs: next },
            `isolated worker of ${this.source} ${problem}; retrying in ${next} ms`,
          );
          this.#scheduleRestart(next);
        },
      );
    }, delayMs);
    this.#restartTimer.unref();
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    for (const waiter of [...this.#waiters]) waiter.reject(this.#unavailable(undefined, 'is shut down'));
    this.#waiters.clear();
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = false;
    await worker?.terminate();
  }

  #unavailable(connector: number | undefined, reason: string): BackendUnavailableError {
    const names = this.#options.setup.expected;
    const who =
      connector === undefined
        ? `Connector ${names.map((c) => `'${c.name}'`).join(', ')} is`
        : `Connector '${names[connector]?.name ?? '?'}' is`;
    return new BackendUnavailableError(
      `${who} unavailable: its isolated worker (${this.source}) ${reason}. The worker is restarted automatically; retry the call.`,
    );
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new InternalError('The call was aborted.');
}

/** Why a worker ended, from its last `error` event (if any) and exit code. */
function exitReason(
  error: unknown,
  code: number,
  heapMib: number,
): { readonly code: WorkerExitReason; readonly text: string } {
  if ((error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: 'out_of_memory', text: `ran out of memory (heap limit ${heapMib} MiB)` };
  }
  if (error instanceof Error) {
    return { code: 'uncaught_exception', text: `crashed with an uncaught ${error.name}: ${error.message}` };
  }
  if (error !== undefined) {
    return {
      code: 'uncaught_exception',
      text: `crashed with an uncaught exception: ${describeThrown(error)}`,
    };
  }
  return { code: 'exit', text: `exited with code ${code}` };
}
