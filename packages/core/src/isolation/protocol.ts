// The messages between the main thread and a connector worker. Everything here must survive structured clone:
// plain data, no functions, no class instances that need their prototype.
import type { JsonValue } from '@bufbuild/protobuf';
import type { CreateContext, OperationContext } from '../connector.js';
import type { LogsQuery, MetricsQuery } from '../resource.js';
import type { TransferredError } from './error-transfer.js';
import type { StallReport } from './stall-watchdog.js';

/** What a worker is started with (its `workerData`). */
export interface WorkerSetup {
  /** The module to import, an absolute path. */
  readonly modulePath: string;
  /** Where it came from, as listings show it (`module ./x.js`, `package @org/x@1.0.0 (entry x)`). */
  readonly source: string;
  /** What the main thread loaded from the same module, in order; the worker must load the same. */
  readonly expected: readonly ExpectedConnector[];
  /** The stall watchdog's threshold in the worker, in ms; 0 disables it. */
  readonly stallThresholdMs: number;
}

/** A connector as the main thread saw it: the worker checks that its copy matches. */
export interface ExpectedConnector {
  readonly name: string;
  readonly sync: boolean;
  /** Its categories, formatted (`type` or `type@vN`). */
  readonly categories: readonly string[];
}

/** The connector method a call runs. */
export type WorkerMethod = 'create' | 'do' | 'get' | 'delete' | 'getMetrics' | 'getLogs';

/** The part of a call context that crosses threads (no signal, no logger: the worker makes its own). */
export type TransferredContext =
  Omit<CreateContext, 'signal' | 'logger'> | Omit<OperationContext, 'signal' | 'logger'>;

/** A connector call. `meta` is the resource_meta JSON (the worker decodes it with the connector's codec). */
export interface CallMessage {
  readonly type: 'call';
  readonly id: number;
  readonly connector: number;
  readonly method: WorkerMethod;
  /** The operation label, for stall reports. */
  readonly operation: string;
  readonly context: TransferredContext;
  readonly meta?: JsonValue;
  readonly metricsQuery?: MetricsQuery;
  readonly logsQuery?: LogsQuery;
}

/** Main thread → worker. */
export type ToWorker =
  | CallMessage
  /** The call's signal fired: abort the worker-side signal with this reason. */
  | { readonly type: 'abort'; readonly id: number; readonly reason: TransferredError }
  /** The next page of the log stream opened by call `stream`. */
  | { readonly type: 'pull'; readonly id: number; readonly stream: number }
  /** The consumer stopped reading the log stream `stream`. */
  | { readonly type: 'end-stream'; readonly stream: number }
  | { readonly type: 'secrets-changed'; readonly connector: number; readonly keys: readonly string[] }
  | { readonly type: 'close'; readonly id: number; readonly connector: number }
  | { readonly type: 'server-secret'; readonly id: number; readonly value: string | undefined };

/** One log record of a connector in the worker. */
export interface LogRecord {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** `child()` bindings, outermost first. */
  readonly bindings: readonly Record<string, unknown>[];
  readonly fields: Record<string, unknown> | undefined;
  readonly message: string | undefined;
}

/** Worker → main thread. */
export type FromWorker =
  | { readonly type: 'ready' }
  /** Start-up failed: importing the module, a mismatch, or `open()` of connector `connector`. */
  | {
      readonly type: 'start-failed';
      readonly connector: number | undefined;
      readonly error: TransferredError;
    }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: TransferredError }
  /** A log record of connector `connector`, during call `call` when set. */
  | ({ readonly type: 'log'; readonly connector: number; readonly call: number | undefined } & LogRecord)
  | { readonly type: 'stall'; readonly report: StallReport }
  | { readonly type: 'server-secret'; readonly id: number; readonly key: string };

/** The answer to a `pull`: a page, or the end of the stream. */
export type PullResult = { readonly done: false; readonly page: unknown } | { readonly done: true };
