import type { ConnectorClient } from '../client/types.js';
import type { TaskCategory } from '../connector.js';
import type { ConnectorError } from '../errors.js';
import type { Resource } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { TaskPhase } from '../phase.js';
import type { FinalPhase } from './phase-mapping.js';

/** Settings of a {@link TaskEngine}. Every default is the one Flyte's web-API plugin machinery uses. */
export interface TaskEngineOptions {
  /** Talks to the connector: in-process or over gRPC in either protocol family. Not closed by the engine. */
  readonly client: ConnectorClient;
  /** Time between two GetTask calls of a task, counted from the end of the previous one. Default 30 s. */
  readonly resyncMs?: number;
  /** GetTask calls in flight at once. Default 10. */
  readonly workers?: number;
  /** Read (GetTask) rate limit: tokens per second. Default 10. */
  readonly readQps?: number;
  /** Read rate limit: burst. Default 100. */
  readonly readBurst?: number;
  /** Write (CreateTask, DeleteTask) rate limit: tokens per second. Default 10. */
  readonly writeQps?: number;
  /** Write rate limit: burst. Default 100. */
  readonly writeBurst?: number;
  /**
   * GetTask failures in a row after which the task is failed (reason `get-failures`). Default 5. A successful
   * GetTask resets the count.
   */
  readonly maxGetFailures?: number;
  /** Per-call deadline in ms passed to the client. Default: the client's own (10 s for the shipped clients). */
  readonly callTimeoutMs?: number;
  /**
   * Delay before re-polling a task whose GetTask failed, given the number of failures in a row (1, 2, ...).
   * Default: none, the task is simply polled again at the next resync, as in Flyte. The runner passes a jittered
   * exponential backoff.
   */
  readonly getRetryDelayMs?: (consecutiveFailures: number) => number;
  /** DeleteTask attempts when aborting a task (any error is retried after a short backoff). Default 3. */
  readonly deleteAttempts?: number;
}

/** Where a task is in its life. */
export type TaskState =
  /** waiting for a write-rate-limit token before CreateTask */
  | 'waiting'
  /** CreateTask in flight */
  | 'creating'
  /** created; polled with GetTask until a final phase */
  | 'tracking'
  /** abort requested; DeleteTask in flight (or CreateTask still finishing first) */
  | 'aborting'
  /** finalized: `done` has settled and the engine no longer holds the task */
  | 'done';

/** Why a task ended. */
export type FinalReason =
  /** the connector reported a final phase */
  | 'completed'
  /** CreateTask failed; Flyte makes this a retryable failure of the attempt (phase RETRYABLE_FAILED) */
  | 'create-failed'
  /** `maxGetFailures` GetTask calls in a row failed; Flyte makes this a system failure (phase FAILED) */
  | 'get-failures'
  /** the connector answered a phase Flyte cannot read (UNDEFINED in Flyte 2, unknown numbers); phase FAILED */
  | 'bad-phase'
  /** `abort()` was called; DeleteTask was sent if the task had been created (phase ABORTED) */
  | 'aborted';

/** How a task ended. */
export interface FinalState {
  /** The final phase. */
  readonly phase: FinalPhase;
  /** Why the task ended. */
  readonly reason: FinalReason;
  /**
   * The connector's message for `completed`; otherwise what went wrong, e.g. the CreateTask error or the last
   * GetTask error.
   */
  readonly message: string;
  /** The last resource GetTask returned, if any (its `outputs` hold the outputs of a succeeded task). */
  readonly resource: Resource | undefined;
  /** What CreateTask returned; undefined when the task was never created. */
  readonly resourceMeta: Uint8Array | undefined;
  /**
   * The error behind `create-failed` and `get-failures`; for `aborted`, the DeleteTask error when every attempt
   * failed.
   */
  readonly error: ConnectorError | undefined;
  /** For `aborted`: whether DeleteTask succeeded. False when the task was never created (nothing to delete). */
  readonly deleted: boolean;
}

/** A task the engine tracks. Properties reflect the latest state; `done` settles exactly once. */
export interface TrackedTask {
  /** Unique within the engine, in submission order. */
  readonly id: number;
  /** The task category it was submitted with. */
  readonly category: TaskCategory;
  /** Where it is in its life. */
  readonly state: TaskState;
  /** The last phase the connector reported (undefined before the first successful GetTask). */
  readonly phase: TaskPhase | undefined;
  /** The last resource GetTask returned. */
  readonly resource: Resource | undefined;
  /** What CreateTask returned; undefined until then. */
  readonly resourceMeta: Uint8Array | undefined;
  /** GetTask failures since the last success. */
  readonly consecutiveGetFailures: number;
  /**
   * Settles with the final state. Rejects only with {@link EngineClosedError} when the engine is closed before
   * the task ended (the rejection is pre-handled, so ignoring it does not crash the process).
   */
  readonly done: Promise<FinalState>;
  /**
   * Aborts the task: DeleteTask once it has been created (after an in-flight CreateTask finishes), then `done`
   * settles with phase ABORTED. A task that already ended is left alone (no DeleteTask after completion).
   * Resolves with the final state.
   */
  abort(): Promise<FinalState>;
}

/** Carried by the `update` and `phase` events. */
export interface TaskUpdate {
  /** The task GetTask was called for. */
  readonly task: TrackedTask;
  /** The phase the connector reported. */
  readonly phase: TaskPhase;
  /** The phase of the previous successful GetTask; undefined for the first. */
  readonly previousPhase: TaskPhase | undefined;
  /** The whole GetTask answer. */
  readonly resource: Resource;
}

/** Events of a {@link TaskEngine}; listeners run synchronously, so keep them cheap. */
export interface TaskEngineEvents {
  /** CreateTask succeeded. */
  created: [task: TrackedTask];
  /** Every successful GetTask (also when nothing changed). */
  update: [update: TaskUpdate];
  /** A GetTask reported a phase different from the previous one (including the first). */
  phase: [update: TaskUpdate];
  /** A GetTask failed; the task fails once `consecutiveFailures` reaches `maxGetFailures`. */
  getError: [task: TrackedTask, error: ConnectorError, consecutiveFailures: number];
  /** The task ended and was removed from the engine. */
  done: [task: TrackedTask, final: FinalState];
}

/** A snapshot of the engine's bookkeeping, all O(1) to produce. */
export interface EngineStats {
  /** Tasks not yet finalized. */
  readonly tracked: number;
  /** Tasks waiting for a write-rate-limit token before CreateTask. */
  readonly waiting: number;
  /** Tasks whose CreateTask is in flight. */
  readonly creating: number;
  /** Created tasks awaiting a final phase. */
  readonly polling: number;
  /** Tasks being aborted (DeleteTask in flight). */
  readonly aborting: number;
  /** GetTask calls in flight (at most `workers`). */
  readonly inFlightGets: number;
  /** Tasks by the last phase their connector reported; `PENDING` = created, no successful GetTask yet. */
  readonly byPhase: Readonly<Partial<Record<TaskPhase | 'PENDING', number>>>;
  /** Calls made since the engine started, by kind. */
  readonly calls: {
    /** CreateTask calls. */
    readonly create: number;
    /** CreateTask calls that failed. */
    readonly createFailed: number;
    /** GetTask calls. */
    readonly get: number;
    /** GetTask calls that failed. */
    readonly getFailed: number;
    /** DeleteTask calls. */
    readonly delete: number;
    /** DeleteTask calls that failed. */
    readonly deleteFailed: number;
  };
  /** Tasks finalized since the engine started. */
  readonly finalized: number;
}

/** `done` of tasks still running when the engine is closed rejects with this. */
export class EngineClosedError extends Error {
  constructor() {
    super('The task engine was closed before the task ended.');
    this.name = 'EngineClosedError';
  }
}
