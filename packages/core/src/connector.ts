import type { JsonObject } from '@bufbuild/protobuf';
import type { TaskTemplate } from './gen/v2/flyteidl2/core/tasks_pb.js';
import type { TaskExecutionMetadata } from './gen/v2/flyteidl2/connector/connector_pb.js';
import type { LiteralType } from './gen/v2/flyteidl2/core/types_pb.js';
import type { Logger } from './logger.js';
import type { ResourceMetaCodec } from './meta-codec.js';
import type { LogPage, LogsQuery, MetricResult, MetricsQuery, Resource } from './resource.js';
import type { ConnectorSpec, ParamSpecs, ResolvedParams } from './spec/types.js';

export type { TaskTemplate, TaskExecutionMetadata, LiteralType };

const connectorBrand = Symbol.for('@org/connector-core/Connector');

/** The routing key of a connector: `template.type` and `template.task_type_version`. */
export interface TaskCategory {
  /** The task type, `template.type` (e.g. `bigquery_query_job_task`). */
  readonly name: string;
  /** The task type version, `template.task_type_version`. */
  readonly version: number;
}

/** A task category as a connector declares it: a task type name (version 0) or a full category. */
export type TaskCategoryInput =
  | string
  | {
      /** The task type, `template.type`. */
      readonly name: string;
      /** The task type version. Default 0. */
      readonly version?: number;
    };

/** Which Flyte protocol family a call arrived on. */
export type ProtocolFamily = 'v1' | 'v2';

/** Identity of the task execution attempt a call belongs to, from `task_execution_metadata`. */
export interface TaskExecutionInfo {
  /** The raw metadata as the client sent it (Flyte 1 requests are converted to the Flyte 2 shape). */
  readonly metadata: TaskExecutionMetadata | undefined;
  /** The Flyte project of the execution ('' when the client sent no task execution id). */
  readonly project: string;
  /** The Flyte domain of the execution (e.g. `development`). */
  readonly domain: string;
  /** The workflow execution's name. */
  readonly executionName: string;
  /** The node of the workflow the task runs in. */
  readonly nodeId: string;
  /** Which attempt of the task this is: 0 for the first, then one more per Flyte retry. */
  readonly retryAttempt: number;
  /** The Kubernetes namespace Flyte runs the execution in. */
  readonly namespace: string;
  /** The execution's labels, as Flyte sends them. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * A stable key for this task execution attempt (hex, 32 chars): the same on every repeated CreateTask for the
   * same attempt, different across attempts. Use it as the vendor's idempotency key or job id. Undefined when the
   * client sent no task execution id.
   */
  readonly attemptKey: string | undefined;
}

/** What every connector call receives. */
export interface CallContext {
  /** Fires when the caller's deadline passes, the caller cancels, or the service shuts down. */
  readonly signal: AbortSignal;
  /** A child logger bound to the connector and call; redacts this call's secret values. */
  readonly logger: Logger;
  /** The protocol family the call arrived on. */
  readonly protocol: ProtocolFamily;
  /** The task category the call was routed by. */
  readonly taskCategory: TaskCategory;
  /** `connection.secrets` (Flyte 2 only; empty for Flyte 1). */
  readonly secrets: Readonly<Record<string, string>>;
  /** `connection.configs` (Flyte 2 only; empty for Flyte 1). */
  readonly configs: Readonly<Record<string, string>>;
  /** Where the task's outputs belong (`output_prefix`, e.g. `s3://bucket/metadata/.../0`); '' when not sent. */
  readonly outputPrefix: string;
}

/** The context of CreateTask (and of a sync connector's `do`). */
export interface CreateContext<S extends ParamSpecs = ParamSpecs> extends CallContext {
  /** The task template as the client serialized it (Flyte 1 templates are converted to the Flyte 2 shape). */
  readonly template: TaskTemplate;
  /** The task inputs converted to JS values by the template's declared input types. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The declared output types by name (empty when the interface declares none). */
  readonly outputTypes: ReadonlyMap<string, LiteralType>;
  /** Which task execution attempt the call belongs to. */
  readonly execution: TaskExecutionInfo;
  /** The connector's parameters, resolved from their sources and validated. */
  readonly params: ResolvedParams<S>;
}

/** The context of GetTask, DeleteTask, GetTaskMetrics and GetTaskLogs: no template travels with these calls. */
export interface OperationContext<S extends ParamSpecs = ParamSpecs> extends CallContext {
  /** Parameters resolvable without a template (connection and server sources); none is enforced. */
  readonly params: Partial<ResolvedParams<S>>;
  /** The output types the task declared at create (carried in resource_meta by core). */
  readonly outputTypes: ReadonlyMap<string, LiteralType>;
}

/** What `open()` receives at service start. */
export interface ConnectorEnvironment {
  /** The connector's logger. */
  readonly logger: Logger;
  /** Reads a Flyte 1 style server secret (`_FSEC_<KEY>` or the mounted secret file). */
  readonly serverSecret: (key: string) => Promise<string | undefined>;
  /** The service's environment (read parameters through the spec's `env` sources instead where possible). */
  readonly env: NodeJS.ProcessEnv;
}

interface ConnectorBase<S extends ParamSpecs> {
  /** Display name; connectors sharing a name are listed as one connector with several categories. */
  readonly name: string;
  /** The task type(s) the connector serves: a name (version 0), a category, or several. */
  readonly taskCategory: TaskCategoryInput | readonly TaskCategoryInput[];
  /** Its parameters and description: shown by `flyte-connect list`, resolved by core for every call. */
  readonly spec: ConnectorSpec<S>;
  /** Called once at service start: create clients and pools here, not at import. */
  open?(env: ConnectorEnvironment): Promise<void>;
  /** Called once at shutdown after in-flight calls finished. */
  close?(): Promise<void>;
  /** Called when mounted server secrets changed (keys are file names), e.g. to drop cached clients. */
  onSecretsChanged?(keys: readonly string[]): void;
}

/**
 * A connector for jobs that run outside the service: create starts the job and returns its metadata (which Flyte
 * stores and sends back), get reports its state, delete cancels it.
 */
export abstract class AsyncConnector<Meta, S extends ParamSpecs = ParamSpecs> implements ConnectorBase<S> {
  /** The symbol whose property marks connectors (see {@link isConnector}). */
  static readonly brand = connectorBrand;
  /** Marks an asynchronous connector, across copies of core. */
  readonly [connectorBrand] = 'async' as const;

  abstract readonly name: string;
  abstract readonly taskCategory: TaskCategoryInput | readonly TaskCategoryInput[];
  abstract readonly spec: ConnectorSpec<S>;
  /** Encodes `Meta` into resource_meta and validates it on the way back. */
  abstract readonly metaCodec: ResourceMetaCodec<Meta>;
  /**
   * Whether a repeated CreateTask for the same attempt re-attaches to the same external job (true when the vendor
   * API takes a caller-chosen id or idempotency token). The acceptance kit checks the claim.
   */
  readonly idempotentCreate: boolean = false;

  /**
   * Starts the job (CreateTask) and returns what identifies it, which Flyte stores as resource_meta. Throw core's
   * typed errors ({@link InvalidArgumentError}, {@link BackendUnavailableError}...) for failures.
   */
  abstract create(ctx: CreateContext<S>): Promise<Meta>;
  /**
   * Reports the job's state (GetTask). A transient backend failure should throw
   * {@link BackendUnavailableError}: core answers RUNNING with a message and Flyte polls again.
   */
  abstract get(meta: Meta, ctx: OperationContext<S>): Promise<Resource>;
  /** Cancels the job. Must succeed for finished, unknown or already deleted jobs. */
  abstract delete(meta: Meta, ctx: OperationContext<S>): Promise<void>;

  /** Answers GetTaskMetrics; without it core answers UNIMPLEMENTED. */
  getMetrics?(meta: Meta, query: MetricsQuery, ctx: OperationContext<S>): Promise<readonly MetricResult[]>;
  /** Answers GetTaskLogs, page by page; without it core answers UNIMPLEMENTED. */
  getLogs?(meta: Meta, query: LogsQuery, ctx: OperationContext<S>): AsyncIterable<LogPage>;
  open?(env: ConnectorEnvironment): Promise<void>;
  close?(): Promise<void>;
  onSecretsChanged?(keys: readonly string[]): void;
}

/**
 * A connector whose work finishes within the call (an API request): `do` returns a terminal resource. Served to
 * Flyte 1 through ExecuteTaskSync and to Flyte 2 through the async service (the result travels in resource_meta,
 * so any replica can answer the Get).
 */
export abstract class SyncConnector<S extends ParamSpecs = ParamSpecs> implements ConnectorBase<S> {
  /** The symbol whose property marks connectors (see {@link isConnector}). */
  static readonly brand = connectorBrand;
  /** Marks a synchronous connector, across copies of core. */
  readonly [connectorBrand] = 'sync' as const;

  abstract readonly name: string;
  abstract readonly taskCategory: TaskCategoryInput | readonly TaskCategoryInput[];
  abstract readonly spec: ConnectorSpec<S>;

  /** Does the work within the call and returns a terminal resource (SUCCEEDED or FAILED, with outputs). */
  abstract do(ctx: CreateContext<S>): Promise<Resource>;
  open?(env: ConnectorEnvironment): Promise<void>;
  close?(): Promise<void>;
  onSecretsChanged?(keys: readonly string[]): void;
}

/** An asynchronous connector of any metadata and parameters. */
export type AnyAsyncConnector = AsyncConnector<unknown, ParamSpecs>;
/** A synchronous connector of any parameters. */
export type AnySyncConnector = SyncConnector<ParamSpecs>;
/** Any connector: what the registry, the service and the acceptance kit accept. */
export type Connector = AnyAsyncConnector | AnySyncConnector;

/** Whether a value is a connector, judged by brand so that copies of core in other packages are recognised. */
export function isConnector(value: unknown): value is Connector {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as Record<symbol, unknown>)[connectorBrand];
  return kind === 'async' || kind === 'sync';
}

/** Whether a connector is synchronous (judged by brand). */
export function isSyncConnector(connector: Connector): connector is AnySyncConnector {
  return (connector as unknown as Record<symbol, unknown>)[connectorBrand] === 'sync';
}

/** The categories a connector declares, normalised (version defaults to 0). */
export function taskCategoriesOf(connector: Pick<Connector, 'taskCategory'>): TaskCategory[] {
  const inputs = (
    Array.isArray(connector.taskCategory) ? connector.taskCategory : [connector.taskCategory]
  ) as readonly TaskCategoryInput[];
  return inputs.map((input) =>
    typeof input === 'string'
      ? { name: input, version: 0 }
      : { name: input.name, version: input.version ?? 0 },
  );
}

/** A category as users read it: `name`, or `name@vN` for versions other than 0. */
export function formatTaskCategory(category: TaskCategory): string {
  return category.version === 0 ? category.name : `${category.name}@v${category.version}`;
}

/** Unused at runtime; keeps JsonObject referenced for declaration consumers. */
export type CustomInfo = JsonObject;
