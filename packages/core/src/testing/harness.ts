import type { JsonValue } from '@bufbuild/protobuf';
import type { Connector, TaskTemplate } from '../connector.js';
import type { NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';

/**
 * A transient backend failure the harness can make its local backend produce:
 * - `http-500`: the backend answers with a 5xx status (a vendor's "internal error, retry").
 * - `timeout`: the backend accepts the request and never answers; the connector's own request timeout must fire
 *   well before Flyte's 10 s call deadline.
 * - `reset`: the backend drops the connection without answering (ECONNRESET).
 */
export type TransientFault = 'http-500' | 'timeout' | 'reset';

/** Every transient fault the kit injects, in the order it injects them. */
export const TRANSIENT_FAULTS: readonly TransientFault[] = ['http-500', 'timeout', 'reset'];

/** What a Flyte 2 client sends per request in `connection` (Flyte 1 clients send nothing of the sort). */
export interface AcceptanceConnection {
  /** `connection.secrets`: credentials by key. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** `connection.configs`: non-secret settings by key. */
  readonly configs?: Readonly<Record<string, string>>;
}

/**
 * A complete, valid task for the connector: what a Flyte client would send to CreateTask. Every required
 * parameter must have a value in at least one source, so that the kit can remove them one at a time.
 */
export interface AcceptanceTask {
  /**
   * The task template; `type` and `taskTypeVersion` route to the connector. Build it with `taskTemplate()` or
   * decode one serialized by a Python SDK.
   */
  readonly template: TaskTemplate;
  /**
   * The inputs: literals as a client sends them, or plain JS values that the kit converts by the types the
   * template's interface declares (e.g. `{ limit: 10n, query: 'SELECT 1' }`).
   */
  readonly inputs: readonly NamedLiteral[] | Readonly<Record<string, unknown>>;
  /**
   * Per-request credentials for Flyte 2 calls. Flyte 1 calls never carry them, so whatever the connector needs
   * there must also come from `serverSecrets()` or `env()`.
   */
  readonly connection?: AcceptanceConnection;
}

/**
 * How the kit controls the jobs of an asynchronous connector's local backend. The kit only ever passes job ids it
 * obtained from {@link JobControl.idOf}. Methods may be synchronous or return a promise.
 *
 * Contract for the backend: a job the connector creates stays in a queued (non-terminal) state until the kit
 * drives it, so that the kit can observe every phase.
 */
export interface JobControl {
  /**
   * The backend's id of the job a resource_meta refers to. `meta` is the connector's metadata as its `metaCodec`
   * encoded it (the JSON inside core's resource_meta envelope), e.g. `(meta as { jobId: string }).jobId`.
   */
  idOf(meta: JsonValue): string;
  /**
   * The metadata of a job the backend has never heard of, derived from the metadata of a real one (typically the
   * same object with another job id). Used to check that Delete of an unknown job succeeds.
   */
  unknownJobMeta(meta: JsonValue): JsonValue;
  /** Moves a job to the backend's running state. */
  run(jobId: string): void | Promise<void>;
  /** Finishes a job successfully, with whatever results the backend produces for the task's outputs. */
  succeed(jobId: string): void | Promise<void>;
  /** Fails a job with this error message; the kit expects the message to reach the user. */
  fail(jobId: string, message: string): void | Promise<void>;
  /** Puts a job into a state the connector cannot know (one the vendor might add tomorrow). */
  setUnknownState(jobId: string): void | Promise<void>;
  /**
   * Makes the next `count` requests the backend receives fail with `fault` (`Infinity`: until
   * {@link JobControl.clearFaults}). The kit injects faults only around GetTask calls.
   */
  injectFault(fault: TransientFault, count: number): void | Promise<void>;
  /** Removes every injected fault. The kit calls it after each check. */
  clearFaults(): void | Promise<void>;
  /** Ids of every job the backend created, in creation order (a re-attached create adds nothing). */
  createdJobs(): readonly string[] | Promise<readonly string[]>;
  /** Ids of every job the backend received a cancel request for. */
  cancelledJobs(): readonly string[] | Promise<readonly string[]>;
}

/**
 * What a connector package supplies to run the acceptance kit against its local backend (a test server on
 * 127.0.0.1 that speaks the vendor's protocol). Implement it once per connector; the kit does the rest.
 *
 * @example
 * ```ts
 * const harness: AcceptanceHarness = {
 *   start: () => backend.listen(),
 *   stop: () => backend.close(),
 *   connector: () => new ExampleConnector(),
 *   env: () => ({ EXAMPLE_ENDPOINT: backend.url }),
 *   serverSecrets: () => ({ example_token: TOKEN }),
 *   task: () => ({ template, inputs: { query: 'SELECT 1' }, connection: { secrets: { example_token: TOKEN } } }),
 *   canarySecrets: () => [TOKEN],
 *   jobs: { idOf: (meta) => (meta as { jobId: string }).jobId, ...backend.control },
 * };
 * ```
 */
export interface AcceptanceHarness {
  /** Starts the local backend. Called once, before any check. */
  start(): Promise<void>;
  /** Stops the local backend. Called once, after the last check (also when a check failed). */
  stop(): Promise<void>;
  /**
   * A fresh connector instance configured for the local backend (called after `start()`, once per service the
   * kit starts). Its `open()` and `close()` hooks run as in production.
   */
  connector(): Connector;
  /**
   * The service's environment (`env` parameter sources and `_FSEC_<KEY>` server secrets). The kit does not pass
   * `process.env` through: the service sees exactly this. Default: empty.
   */
  env?(): NodeJS.ProcessEnv;
  /**
   * Flyte 1 style server secrets: file name (the key, lowercased) → value, written to a temporary `--secrets-dir`.
   * Flyte 1 calls carry no `connection`, so credentials for them come from here or from `env()`.
   */
  serverSecrets?(): Readonly<Record<string, string>>;
  /** A complete, valid task. Called for every CreateTask; returning the same task each time is fine. */
  task(): AcceptanceTask;
  /**
   * The secret values the harness hands to the service (connection secrets, server secrets, env). The kit checks
   * that none of them, nor their base64, URL-encoded, hex or reversed forms, ever appears in resource_meta, log
   * lines, error messages, resources or metrics. Use distinctive values of at least 8 characters.
   */
  canarySecrets(): readonly string[];
  /** Control of the backend's jobs. Required for asynchronous connectors; sync connectors have no jobs. */
  readonly jobs?: JobControl;
}
