import type { Connection } from '../gen/v2/flyteidl2/core/security_pb.js';
import type { TaskTemplate } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import type { Resource, TaskExecutionMetadata } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import type { TaskCategory } from '../connector.js';

/** What CreateTask sends, in the Flyte 2 shapes (a Flyte 1 client converts them). */
export interface CreateTaskInput {
  /** The task template; `type` and `taskTypeVersion` route the call to a connector. */
  readonly template: TaskTemplate;
  /** The task inputs as literals (see `inputsToLiterals` to build them from plain values). */
  readonly inputs: readonly NamedLiteral[];
  /** Where the task's outputs belong (`output_prefix`). */
  readonly outputPrefix: string;
  /** The task execution attempt the call belongs to (its id makes a repeated create idempotent). */
  readonly metadata?: TaskExecutionMetadata | undefined;
  /** Flyte 2 only: per-request secrets and configs. A Flyte 1 client ignores it (secrets live with the server). */
  readonly connection?: Pick<Connection, 'secrets' | 'configs'> | undefined;
}

/** A created task as the client keeps it: what GetTask and DeleteTask need. */
export interface TaskReference {
  /** The task category the task was created with. */
  readonly category: TaskCategory;
  /** The resource_meta CreateTask answered: the service's handle on the external job. */
  readonly resourceMeta: Uint8Array;
  /** The output prefix the task was created with. */
  readonly outputPrefix: string;
  /** Flyte 2 only: the per-request secrets and configs, sent again with every GetTask and DeleteTask. */
  readonly connection?: Pick<Connection, 'secrets' | 'configs'> | undefined;
}

/** Options of one client call. */
export interface CallOptions {
  /** Per-call deadline in ms (Flyte's default is 10 s). */
  readonly timeoutMs?: number;
  /** Cancels the call when it fires. */
  readonly signal?: AbortSignal;
}

/** A connector as ListConnectors (Flyte 1: ListAgents) describes it. */
export interface ListedConnector {
  /** The connector's display name. */
  readonly name: string;
  /** The task categories it serves. */
  readonly categories: readonly TaskCategory[];
  /** Whether it is synchronous (Flyte 1 calls it through ExecuteTaskSync). */
  readonly isSync: boolean;
}

/**
 * A client of a connector service, over gRPC in either protocol family or in-process. Failures reject with a
 * ConnectorError whose kind mirrors the gRPC status the service answered.
 */
export interface ConnectorClient {
  /** How the client reaches the service: Flyte 1 gRPC, Flyte 2 gRPC, or in-process. */
  readonly protocol: 'v1' | 'v2' | 'in-process';
  /** CreateTask: starts the task and answers its resource_meta. */
  create(input: CreateTaskInput, options?: CallOptions): Promise<Uint8Array>;
  /** The resource in the Flyte 2 shape (a Flyte 1 answer is converted; its phase is what counts). */
  get(task: TaskReference, options?: CallOptions): Promise<Resource>;
  /** DeleteTask: cancels the task's external job. */
  delete(task: TaskReference, options?: CallOptions): Promise<void>;
  /** ListConnectors (Flyte 1: ListAgents). */
  list(options?: CallOptions): Promise<readonly ListedConnector[]>;
  /** Closes the channel (gRPC) or the connectors (in-process). */
  close(): void;
}
