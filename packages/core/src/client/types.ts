import type { Connection } from '../gen/v2/flyteidl2/core/security_pb.js';
import type { TaskTemplate } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import type { Resource, TaskExecutionMetadata } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import type { TaskCategory } from '../connector.js';

/** What CreateTask sends, in the Flyte 2 shapes (a Flyte 1 client converts them). */
export interface CreateTaskInput {
  readonly template: TaskTemplate;
  readonly inputs: readonly NamedLiteral[];
  readonly outputPrefix: string;
  readonly metadata?: TaskExecutionMetadata | undefined;
  /** Flyte 2 only: per-request secrets and configs. A Flyte 1 client ignores it (secrets live with the server). */
  readonly connection?: Pick<Connection, 'secrets' | 'configs'> | undefined;
}

/** A created task as the client keeps it: what GetTask and DeleteTask need. */
export interface TaskReference {
  readonly category: TaskCategory;
  readonly resourceMeta: Uint8Array;
  readonly outputPrefix: string;
  readonly connection?: Pick<Connection, 'secrets' | 'configs'> | undefined;
}

export interface CallOptions {
  /** Per-call deadline in ms (Flyte's default is 10 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ListedConnector {
  readonly name: string;
  readonly categories: readonly TaskCategory[];
  readonly isSync: boolean;
}

/**
 * A client of a connector service, over gRPC in either protocol family or in-process. Failures reject with a
 * ConnectorError whose kind mirrors the gRPC status the service answered.
 */
export interface ConnectorClient {
  readonly protocol: 'v1' | 'v2' | 'in-process';
  create(input: CreateTaskInput, options?: CallOptions): Promise<Uint8Array>;
  /** The resource in the Flyte 2 shape (a Flyte 1 answer is converted; its phase is what counts). */
  get(task: TaskReference, options?: CallOptions): Promise<Resource>;
  delete(task: TaskReference, options?: CallOptions): Promise<void>;
  list(options?: CallOptions): Promise<readonly ListedConnector[]>;
  close(): void;
}
