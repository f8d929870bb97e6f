import { create, fromBinary } from '@bufbuild/protobuf';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import {
  AgentSchema,
  CreateTaskRequestSchema,
  CreateTaskResponseSchema,
  DeleteTaskResponseSchema,
  ExecuteTaskSyncRequestSchema,
  ExecuteTaskSyncResponseSchema,
  GetAgentResponseSchema,
  GetTaskLogsResponseSchema,
  GetTaskMetricsResponseSchema,
  ListAgentsResponseSchema,
  ResourceSchema as V1ResourceSchema,
  State,
  TaskExecutionMetadataSchema as V1TaskExecutionMetadataSchema,
  type CreateTaskRequest,
  type DeleteTaskRequest,
  type ExecuteTaskSyncRequest,
  type GetAgentRequest,
  type GetTaskLogsRequest,
  type GetTaskMetricsRequest,
  type GetTaskRequest,
  type Resource as V1Resource,
} from '../gen/v1/flyteidl/admin/agent_pb.js';
import { TaskTemplateSchema as V1TaskTemplateSchema } from '../gen/v1/flyteidl/core/tasks_pb.js';
import {
  AgentMetadataService,
  AsyncAgentService,
  SyncAgentService,
} from '../gen/v1/flyteidl/service/agent_pb.js';
import {
  CreateTaskRequestSchema as V2CreateTaskRequestSchema,
  ResourceSchema as V2ResourceSchema,
  TaskExecutionMetadataSchema as V2TaskExecutionMetadataSchema,
  type CreateTaskRequest as V2CreateTaskRequest,
  type Resource as V2Resource,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { TaskTemplateSchema as V2TaskTemplateSchema } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import { InputsSchema } from '../gen/v2/flyteidl2/task/common_pb.js';
import { InvalidArgumentError } from '../errors.js';
import type { CreateRequestData, Dispatcher } from '../service/dispatcher.js';
import {
  collectThenAnswerHandler,
  serverStreamingHandler,
  unaryHandler,
  type HandlerEnvironment,
} from './handlers.js';
import { convertMessage } from './convert.js';
import { encodeGetTaskResponse } from './resource-encoding.js';
import { grpcServiceDefinition } from './service-definition.js';
import { lengthDelimitedField } from './wire-field.js';

const SYNC_INPUTS_FIELD = ExecuteTaskSyncRequestSchema.field.inputs.number;
import { createRequestData, metricsQuery, requireCategory } from './v2-service.js';

/**
 * Flyte 1: `flyteidl.service.AsyncAgentService`, `SyncAgentService` and `AgentMetadataService`. Requests are
 * translated to the Flyte 2 shapes core works with by a binary round trip: the two IDLs share field numbers for
 * templates, literals and resources (a map on the wire is a repeated entry message).
 */
export function flyte1Services(dispatcher: Dispatcher, env: HandlerEnvironment) {
  const protocol = 'v1' as const;
  const asyncImpl: UntypedServiceImplementation = {
    // Not async itself: the request is handed over and not held while the connector works. Flyte 1's request has
    // Flyte 2's field numbers and wire shapes (a LiteralMap encodes as Inputs' repeated NamedLiteral; templates and
    // execution metadata as convertMessage relies on), so it is decoded straight into the Flyte 2 shapes core works
    // with, instead of decoding Flyte 1's template and re-encoding it.
    CreateTask: unaryHandler(
      env,
      (request: V2CreateTaskRequest, signal, wire) =>
        dispatcher
          .create(createRequestData(request, wire, undefined, CreateTaskRequestSchema.typeName), {
            protocol,
            signal,
          })
          .then((resourceMeta) => create(CreateTaskResponseSchema, { resourceMeta })),
      V2CreateTaskRequestSchema,
    ),
    // Polled for every running task: a plain `.then` rather than an async function, one promise fewer per call.
    GetTask: unaryHandler(env, (request: GetTaskRequest, signal) =>
      dispatcher
        .get(
          {
            category: requireCategory('GetTaskRequest', request.taskCategory, request.taskType),
            resourceMeta: request.resourceMeta,
            outputPrefix: request.outputPrefix,
            connection: undefined,
          },
          { protocol, signal },
        )
        .then(encodeV1GetTaskResponse),
    ),
    DeleteTask: unaryHandler(env, async (request: DeleteTaskRequest, signal) => {
      await dispatcher.delete(
        {
          category: requireCategory('DeleteTaskRequest', request.taskCategory, request.taskType),
          resourceMeta: request.resourceMeta,
          outputPrefix: '',
          connection: undefined,
        },
        { protocol, signal },
      );
      return create(DeleteTaskResponseSchema);
    }),
    GetTaskMetrics: unaryHandler(env, async (request: GetTaskMetricsRequest, signal) => {
      const results = await dispatcher.getMetrics(
        {
          category: requireCategory('GetTaskMetricsRequest', request.taskCategory, request.taskType),
          resourceMeta: request.resourceMeta,
          outputPrefix: '',
          connection: undefined,
        },
        metricsQuery(request),
        { protocol, signal },
      );
      return create(GetTaskMetricsResponseSchema, {
        results: results.map((r) => ({ metric: r.metric, data: r.data })),
      });
    }),
    GetTaskLogs: serverStreamingHandler(env, async (request: GetTaskLogsRequest, signal, write) => {
      await dispatcher.getLogs(
        {
          category: requireCategory('GetTaskLogsRequest', request.taskCategory, request.taskType),
          resourceMeta: request.resourceMeta,
          outputPrefix: '',
          connection: undefined,
        },
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

  const syncImpl: UntypedServiceImplementation = {
    ExecuteTaskSync: collectThenAnswerHandler(
      env,
      2,
      async (requests: ExecuteTaskSyncRequest[], signal, wires) => {
        const header = requests.find((r) => r.part.case === 'header')?.part.value;
        if (header === undefined || header.$typeName !== 'flyteidl.admin.CreateRequestHeader') {
          throw new InvalidArgumentError(
            'ExecuteTaskSync: the first message must be a header with the task template.',
          );
        }
        const inputsAt = requests.findIndex((r) => r.part.case === 'inputs');
        const inputsWire = inputsAt < 0 ? undefined : wires[inputsAt];
        const resource = await dispatcher.executeSync(
          createData(
            {
              template: header.template,
              outputPrefix: header.outputPrefix,
              taskExecutionMetadata: header.taskExecutionMetadata,
            },
            (inputsWire &&
              lengthDelimitedField(inputsWire, SYNC_INPUTS_FIELD, ExecuteTaskSyncRequestSchema.typeName)) ??
              new Uint8Array(),
          ),
          { protocol, signal },
        );
        return create(ExecuteTaskSyncResponseSchema, {
          res: { case: 'header', value: { resource: toV1Resource(resource) } },
        });
      },
    ),
  };

  const metadataImpl: UntypedServiceImplementation = {
    ListAgents: unaryHandler(env, () =>
      Promise.resolve(
        create(ListAgentsResponseSchema, { agents: dispatcher.listConnectors('v1').map(toAgent) }),
      ),
    ),
    GetAgent: unaryHandler(env, (request: GetAgentRequest) =>
      Promise.resolve(
        create(GetAgentResponseSchema, { agent: toAgent(dispatcher.describeConnector(request.name, 'v1')) }),
      ),
    ),
  };

  return [
    {
      definition: grpcServiceDefinition(AsyncAgentService, 'server'),
      implementation: asyncImpl,
      name: AsyncAgentService.typeName,
    },
    {
      definition: grpcServiceDefinition(SyncAgentService, 'server'),
      implementation: syncImpl,
      name: SyncAgentService.typeName,
    },
    {
      definition: grpcServiceDefinition(AgentMetadataService, 'server'),
      implementation: metadataImpl,
      name: AgentMetadataService.typeName,
    },
  ];
}

function toAgent(listing: {
  name: string;
  categories: readonly { name: string; version: number }[];
  isSync: boolean;
}) {
  return create(AgentSchema, {
    name: listing.name,
    isSync: listing.isSync,
    supportedTaskCategories: listing.categories.map((c) => ({ name: c.name, version: c.version })),
    // Deprecated, but propellers before task categories route on it; it means version 0.
    supportedTaskTypes: listing.categories.filter((c) => c.version === 0).map((c) => c.name),
  });
}

/**
 * `inputsWire` is the LiteralMap as it came on the wire: Flyte 1's `map<string, Literal>` encodes exactly like Flyte
 * 2's repeated NamedLiteral, so the Flyte 2 inputs are read straight from those bytes (no re-encoding of what may be
 * megabytes of literals).
 */
function createData(
  request: Pick<CreateTaskRequest, 'template' | 'outputPrefix' | 'taskExecutionMetadata'>,
  inputsWire: Uint8Array,
): CreateRequestData {
  try {
    return convertCreateData(request, inputsWire);
  } catch (error) {
    // Fields Flyte 1 does not know travel as unknown fields and are read again by the Flyte 2 schema; a caller can
    // make them fail there (e.g. invalid UTF-8 where Flyte 2 has a string). That is a malformed request.
    throw new InvalidArgumentError(
      `the request does not convert to the Flyte 2 task shapes: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function convertCreateData(
  request: Pick<CreateTaskRequest, 'template' | 'outputPrefix' | 'taskExecutionMetadata'>,
  inputBytes: Uint8Array,
): CreateRequestData {
  return {
    template:
      request.template === undefined
        ? undefined
        : convertMessage(V1TaskTemplateSchema, V2TaskTemplateSchema, request.template),
    inputs: fromBinary(InputsSchema, inputBytes).literals,
    inputBytes: inputBytes.byteLength,
    outputPrefix: request.outputPrefix,
    metadata:
      request.taskExecutionMetadata === undefined
        ? undefined
        : convertMessage(
            V1TaskExecutionMetadataSchema,
            V2TaskExecutionMetadataSchema,
            request.taskExecutionMetadata,
          ),
    connection: undefined,
  };
}

/** Flyte 1 propellers that predate `phase` read the deprecated `state`; fill both. */
const STATE_BY_PHASE: Readonly<Record<number, State>> = {
  1: State.PENDING,
  2: State.RUNNING,
  3: State.SUCCEEDED,
  4: State.PERMANENT_FAILURE,
  5: State.PERMANENT_FAILURE,
  6: State.PENDING,
  7: State.PENDING,
  8: State.RETRYABLE_FAILURE,
};

/**
 * Flyte 1's GetTaskResponse for a Flyte 2 resource, encoded at once: Flyte 1's Resource is Flyte 2's fields (same
 * numbers) plus the deprecated `state` as field 1, so the Flyte 2 bytes are written behind it instead of converting
 * the message by a decode and encoding it again (a third of a Flyte 1 GetTask's protobuf work).
 */
export function encodeV1GetTaskResponse(resource: V2Resource): Uint8Array {
  return encodeGetTaskResponse(resource, STATE_BY_PHASE[resource.phase] ?? State.RETRYABLE_FAILURE);
}

export function toV1Resource(resource: V2Resource): V1Resource {
  const v1 = convertMessage(V2ResourceSchema, V1ResourceSchema, resource);
  v1.state = STATE_BY_PHASE[resource.phase] ?? State.RETRYABLE_FAILURE;
  return v1;
}
