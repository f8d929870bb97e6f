/**
 * The public surface of `@org/connector-core`: connector base classes and specs, the typed errors, plugin
 * declaration, the connector service, protocol clients, and the client engine and local runner behind
 * `flyte-connect run`. Everything a connector author or operator needs is exported here by name; nothing else is
 * part of the API.
 *
 * @module @org/connector-core
 */

export {
  AsyncConnector,
  SyncConnector,
  isConnector,
  isSyncConnector,
  taskCategoriesOf,
  formatTaskCategory,
  type AnyAsyncConnector,
  type AnySyncConnector,
  type CallContext,
  type Connector,
  type ConnectorEnvironment,
  type CreateContext,
  type LiteralType,
  type OperationContext,
  type ProtocolFamily,
  type TaskCategory,
  type TaskCategoryInput,
  type TaskExecutionInfo,
  type TaskExecutionMetadata,
  type TaskTemplate,
} from './connector.js';
export { defineConnectorPlugin, isConnectorPlugin, type ConnectorPlugin } from './plugin.js';
export {
  AlreadyExistsError,
  BackendUnavailableError,
  CancelledError,
  ConnectorError,
  ConnectorNotFoundError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  InvalidParameterError,
  InvalidResourceMetaError,
  MissingParameterError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnimplementedError,
  type ConnectorErrorOptions,
  type ErrorKind,
} from './errors.js';
export { isTaskPhase, isTerminalPhase, TASK_PHASES, type TaskPhase } from './phase.js';
export type { LogPage, LogsQuery, MetricResult, MetricsQuery, Resource, TaskLogLink } from './resource.js';
export { jsonMetaCodec, type ResourceMetaCodec, type StandardSchemaLike } from './meta-codec.js';
export {
  defineSpec,
  param,
  type ConnectorSpec,
  type ParamSource,
  type ParamSpec,
  type ParamSpecs,
  type ParamType,
  type ParamValue,
  type ResolvedParams,
} from './spec/types.js';
export type { LogFn, Logger } from './logger.js';
export { createLogger, type LoggerOptions } from './logging.js';
export {
  ConnectorService,
  type ConnectorServiceOptions,
  type ServiceHandle,
} from './service/connector-service.js';
export type { TlsFiles } from './grpc/server.js';
export { createGrpcClient, type GrpcClientOptions } from './client/grpc-client.js';
export { createInProcessClient, type InProcessClientOptions } from './client/in-process-client.js';
export { ConnectorCallError } from './client/call-error.js';
export type {
  CallOptions,
  ConnectorClient,
  CreateTaskInput,
  ListedConnector,
  TaskReference,
} from './client/types.js';
export type { BlobValue, SchemaValue, StructuredDatasetValue } from './literals/index.js';

// ---------------------------------------------------------------------------------------------------------------
// Client engine and local runner (`flyte-connect run`)
export {
  ENGINE_DEFAULTS,
  EngineClosedError,
  isFinalPhase,
  readPhase,
  stopsPolling,
  TaskEngine,
  TokenBucket,
  type ClientFamily,
  type EngineStats,
  type FinalPhase,
  type FinalReason,
  type FinalState,
  type PhaseReading,
  type RateLimit,
  type TaskEngineEvents,
  type TaskEngineOptions,
  type TaskState,
  type TaskUpdate,
  type TrackedTask,
} from './engine/index.js';
export {
  exitCodeOf,
  inputsToLiterals,
  jitteredBackoff,
  localExecutionMetadata,
  parseInputsText,
  parseLiteralMap,
  parseTaskFile,
  parseTypeSpec,
  ProgressDisplay,
  readTaskFile,
  RUN_EXIT_CODES,
  runSummary,
  runTask,
  taskFromDocument,
  toJsonValue,
  type BackoffOptions,
  type LoadedTask,
  type ProgressDisplayOptions,
  type ProgressStream,
  type RunExitCode,
  type RunProgress,
  type RunResult,
  type RunTaskOptions,
  type TaskFileFormat,
} from './runner/index.js';
