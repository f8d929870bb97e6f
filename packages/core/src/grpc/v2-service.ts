import { create } from '@bufbuild/protobuf';
import { timestampDate, type Duration } from '@bufbuild/protobuf/wkt';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import {
  ConnectorSchema,
  CreateTaskRequestSchema,
  CreateTaskResponseSchema,
  DeleteTaskResponseSchema,
  GetConnectorResponseSchema,
  GetTaskLogsResponseSchema,
  GetTaskMetricsResponseSchema,
  ListConnectorsResponseSchema,
  type CreateTaskRequest,
  type DeleteTaskRequest,
  type GetConnectorRequest,
  type GetTaskLogsRequest,
  type GetTaskMetricsRequest,
  type GetTaskRequest,
  type TaskCategory as TaskCategoryMessage,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { AsyncConnectorService, ConnectorMetadataService } from '../gen/v2/flyteidl2/connector/service_pb.js';
import type { Connection } from '../gen/v2/flyteidl2/core/security_pb.js';
import type { TaskCategory } from '../connector.js';
import { InvalidArgumentError } from '../errors.js';
import type { CreateRequestData, Dispatcher, TaskRequestData } from '../service/dispatcher.js';
import type { MetricsQuery } from '../resource.js';
import { serverStreamingHandler, unaryHandler, type HandlerEnvironment } from './handlers.js';
import { encodeGetTaskResponse } from './resource-encoding.js';
import { grpcServiceDefinition } from './service-definition.js';
import { lengthDelimitedField } from './wire-field.js';

const INPUTS_FIELD = CreateTaskRequestSchema.field.inputs.number;

/** Flyte 2: `flyteidl2.connector.AsyncConnectorService` and `ConnectorMetadataService`. */
export function flyte2Services(dispatcher: Dispatcher, env: HandlerEnvironment) {
  const protocol = 'v2' as const;
  const asyncImpl: UntypedServiceImplementation = {
    // Not async itself: the request is handed over and not held while the connector works.
    CreateTask: unaryHandler(env, (request: CreateTaskRequest, signal, wire) =>
      dispatcher
        .create(createRequestData(request, wire, request.connection), { protocol, signal })
        .then((resourceMeta) => create(CreateTaskResponseSchema, { resourceMeta })),
    ),
    // Polled for every running task: a plain `.then` rather than an async function, one promise fewer per call.
    GetTask: unaryHandler(env, (request: GetTaskRequest, signal) =>
      dispatcher
        .get(taskRequest('GetTaskRequest', request), { protocol, signal })
        .then((resource) => encodeGetTaskResponse(resource)),
    ),
    DeleteTask: unaryHandler(env, async (request: DeleteTaskRequest, signal) => {
      await dispatcher.delete(taskRequest('DeleteTaskRequest', { ...request, outputPrefix: '' }), {
        protocol,
        signal,
      });
      return create(DeleteTaskResponseSchema);
    }),
    GetTaskMetrics: unaryHandler(env, async (request: GetTaskMetricsRequest, signal) => {
      const results = await dispatcher.getMetrics(
        taskRequest('GetTaskMetricsRequest', { ...request, outputPrefix: '', connection: undefined }),
        metricsQuery(request),
        { protocol, signal },
      );
      return create(GetTaskMetricsResponseSchema, {
        results: results.map((r) => ({ metric: r.metric, data: r.data })),
      });
    }),
    GetTaskLogs: serverStreamingHandler(env, async (request: GetTaskLogsRequest, signal, write) => {
      await dispatcher.getLogs(
        taskRequest('GetTaskLogsRequest', { ...request, outputPrefix: '', connection: undefined }),
        { lines: Number(request.lines), token: request.token },
        { protocol, signal },
        async (page) => {
          await write(
            create(GetTaskLogsResponseSchema, {
              part: { case: 'header', value: { token: page.token ?? '' } },
            }),
          );
          await write(
            create(GetTaskLogsResponseSchema, {
              part: { case: 'body', value: { results: [...page.lines] } },
            }),
          );
        },
      );
    }),
  };
  const metadataImpl: UntypedServiceImplementation = {
    ListConnectors: unaryHandler(env, () =>
      Promise.resolve(
        create(ListConnectorsResponseSchema, {
          connectors: dispatcher
            .listConnectors('v2')
            .map((c) =>
              create(ConnectorSchema, { name: c.name, supportedTaskCategories: [...c.categories] }),
            ),
        }),
      ),
    ),
    GetConnector: unaryHandler(env, (request: GetConnectorRequest) => {
      const found = dispatcher.describeConnector(request.name, 'v2');
      return Promise.resolve(
        create(GetConnectorResponseSchema, {
          connector: { name: found.name, supportedTaskCategories: [...found.categories] },
        }),
      );
    }),
  };
  return [
    {
      definition: grpcServiceDefinition(AsyncConnectorService, 'server'),
      implementation: asyncImpl,
      name: AsyncConnectorService.typeName,
    },
    {
      definition: grpcServiceDefinition(ConnectorMetadataService, 'server'),
      implementation: metadataImpl,
      name: ConnectorMetadataService.typeName,
    },
  ];
}

/**
 * What the dispatcher needs of a CreateTaskRequest. Flyte 1's CreateTaskRequest is read as this Flyte 2 message too
 * (same field numbers and wire shapes), with `connection` left out: Flyte 1 has no such field.
 */
export function createRequestData(
  request: CreateTaskRequest,
  wire: Uint8Array,
  connection: Connection | undefined,
  /** The request's own type, for the message of a malformed one (Flyte 1's requests are read as Flyte 2's). */
  messageName: string = CreateTaskRequestSchema.typeName,
): CreateRequestData {
  return {
    template: request.template,
    inputs: request.inputs?.literals ?? [],
    inputBytes: lengthDelimitedField(wire, INPUTS_FIELD, messageName)?.byteLength ?? 0,
    outputPrefix: request.outputPrefix,
    metadata: request.taskExecutionMetadata,
    connection,
  };
}

function taskRequest(
  what: string,
  request: {
    taskCategory?: TaskCategoryMessage | undefined;
    resourceMeta: Uint8Array;
    outputPrefix: string;
    connection?: Connection | undefined;
  },
): TaskRequestData {
  return {
    category: requireCategory(what, request.taskCategory),
    resourceMeta: request.resourceMeta,
    outputPrefix: request.outputPrefix,
    connection: request.connection,
  };
}

export function requireCategory(
  what: string,
  category: { readonly name: string; readonly version: number } | undefined,
  legacyTaskType = '',
): TaskCategory {
  if (category !== undefined && category.name !== '')
    return { name: category.name, version: category.version };
  if (legacyTaskType !== '') return { name: legacyTaskType, version: 0 };
  throw new InvalidArgumentError(
    `${what}.task_category is missing; it names the connector that created the task.`,
  );
}

export function metricsQuery(request: {
  queries: string[];
  startTime?: Parameters<typeof timestampDate>[0] | undefined;
  endTime?: Parameters<typeof timestampDate>[0] | undefined;
  step?: Duration | undefined;
}): MetricsQuery {
  return {
    queries: request.queries,
    ...(request.startTime === undefined ? {} : { startTime: timestampDate(request.startTime) }),
    ...(request.endTime === undefined ? {} : { endTime: timestampDate(request.endTime) }),
    ...(request.step === undefined
      ? {}
      : { stepMs: Number(request.step.seconds) * 1000 + request.step.nanos / 1e6 }),
  };
}
