import { create, fromBinary, toBinary, type DescService } from '@bufbuild/protobuf';
import {
  type ChannelCredentials,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import * as v1 from '../gen/v1/flyteidl/admin/agent_pb.js';
import { LiteralMapSchema } from '../gen/v1/flyteidl/core/literals_pb.js';
import { TaskTemplateSchema as V1TaskTemplateSchema } from '../gen/v1/flyteidl/core/tasks_pb.js';
import { AgentMetadataService, AsyncAgentService } from '../gen/v1/flyteidl/service/agent_pb.js';
import * as v2 from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { AsyncConnectorService, ConnectorMetadataService } from '../gen/v2/flyteidl2/connector/service_pb.js';
import { TaskTemplateSchema as V2TaskTemplateSchema } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import { InputsSchema } from '../gen/v2/flyteidl2/task/common_pb.js';
import { convertMessage } from '../grpc/convert.js';
import { grpcServiceDefinition } from '../grpc/service-definition.js';
import { ConnectorCallError } from './call-error.js';
import type {
  CallOptions,
  ConnectorClient,
  CreateTaskInput,
  ListedConnector,
  TaskReference,
} from './types.js';

/** Options of {@link createGrpcClient}. */
export interface GrpcClientOptions {
  /** `host:port` of the connector service. */
  readonly endpoint: string;
  /** Which protocol family to speak: `v1` (Flyte 1, flyteidl agent services) or `v2` (Flyte 2, flyteidl2). */
  readonly protocol: 'v1' | 'v2';
  /** TLS credentials; plaintext (h2c) by default. */
  readonly credentials?: ChannelCredentials;
  /** Default per-call deadline in ms. Default 10 s, as Flyte's clients. */
  readonly timeoutMs?: number;
}

type Unary = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response?: unknown) => void,
) => { cancel(): void };

/** A gRPC client of either protocol family, built from the same generated descriptors as the service. */
export function createGrpcClient(options: GrpcClientOptions): ConnectorClient {
  const channel = options.credentials ?? credentials.createInsecure();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const asyncService = options.protocol === 'v1' ? AsyncAgentService : AsyncConnectorService;
  const metadataService = options.protocol === 'v1' ? AgentMetadataService : ConnectorMetadataService;
  const asyncClient = clientFor(asyncService, options.endpoint, channel);
  const metadataClient = clientFor(metadataService, options.endpoint, channel);

  const call = <T>(
    client: Client,
    method: string,
    request: unknown,
    callOptions: CallOptions = {},
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (callOptions.signal?.aborted) {
        reject(new ConnectorCallError(1, 'The call was cancelled before it started.'));
        return;
      }
      const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
      const pending = fn(
        request,
        new Metadata(),
        { deadline: Date.now() + (callOptions.timeoutMs ?? timeoutMs) },
        (error, response) => {
          callOptions.signal?.removeEventListener('abort', onAbort);
          if (error !== null) reject(ConnectorCallError.fromServiceError(error));
          else resolve(response as T);
        },
      );
      const onAbort = () => pending.cancel();
      callOptions.signal?.addEventListener('abort', onAbort, { once: true });
    });

  if (options.protocol === 'v2') {
    return {
      protocol: 'v2',
      async create(input, callOptions) {
        const request = create(v2.CreateTaskRequestSchema, {
          template: input.template,
          inputs: { literals: [...input.inputs] },
          outputPrefix: input.outputPrefix,
          taskExecutionMetadata: input.metadata,
          connection: input.connection === undefined ? undefined : { ...input.connection },
        });
        const response = await call<v2.CreateTaskResponse>(asyncClient, 'CreateTask', request, callOptions);
        return response.resourceMeta;
      },
      async get(task, callOptions) {
        const response = await call<v2.GetTaskResponse>(
          asyncClient,
          'GetTask',
          v2Request(v2.GetTaskRequestSchema, task),
          callOptions,
        );
        return response.resource ?? create(v2.ResourceSchema);
      },
      async delete(task, callOptions) {
        await call(asyncClient, 'DeleteTask', v2Request(v2.DeleteTaskRequestSchema, task), callOptions);
      },
      async list(callOptions) {
        const response = await call<v2.ListConnectorsResponse>(
          metadataClient,
          'ListConnectors',
          create(v2.ListConnectorsRequestSchema),
          callOptions,
        );
        return response.connectors.map((c) => listed(c.name, c.supportedTaskCategories, false));
      },
      close() {
        asyncClient.close();
        metadataClient.close();
      },
    };
  }
  return {
    protocol: 'v1',
    async create(input: CreateTaskInput, callOptions) {
      const request = create(v1.CreateTaskRequestSchema, {
        template: convertMessage(V2TaskTemplateSchema, V1TaskTemplateSchema, input.template),
        inputs: fromBinary(
          LiteralMapSchema,
          toBinary(InputsSchema, create(InputsSchema, { literals: [...input.inputs] })),
        ),
        outputPrefix: input.outputPrefix,
        taskExecutionMetadata:
          input.metadata === undefined
            ? undefined
            : convertMessage(v2.TaskExecutionMetadataSchema, v1.TaskExecutionMetadataSchema, input.metadata),
      });
      const response = await call<v1.CreateTaskResponse>(asyncClient, 'CreateTask', request, callOptions);
      return response.resourceMeta;
    },
    async get(task: TaskReference, callOptions) {
      const request = create(v1.GetTaskRequestSchema, {
        taskType: task.category.name,
        taskCategory: task.category,
        resourceMeta: task.resourceMeta,
        outputPrefix: task.outputPrefix,
      });
      const response = await call<v1.GetTaskResponse>(asyncClient, 'GetTask', request, callOptions);
      return response.resource === undefined
        ? create(v2.ResourceSchema)
        : convertMessage(v1.ResourceSchema, v2.ResourceSchema, response.resource);
    },
    async delete(task: TaskReference, callOptions) {
      const request = create(v1.DeleteTaskRequestSchema, {
        taskType: task.category.name,
        taskCategory: task.category,
        resourceMeta: task.resourceMeta,
      });
      await call(asyncClient, 'DeleteTask', request, callOptions);
    },
    async list(callOptions) {
      const response = await call<v1.ListAgentsResponse>(
        metadataClient,
        'ListAgents',
        create(v1.ListAgentsRequestSchema),
        callOptions,
      );
      return response.agents.map((a) => listed(a.name, a.supportedTaskCategories, a.isSync));
    },
    close() {
      asyncClient.close();
      metadataClient.close();
    },
  };
}

function clientFor(service: DescService, endpoint: string, channel: ChannelCredentials): Client {
  const Constructor = makeGenericClientConstructor(grpcServiceDefinition(service), service.name);
  return new Constructor(endpoint, channel, { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
}

function v2Request<S extends typeof v2.GetTaskRequestSchema | typeof v2.DeleteTaskRequestSchema>(
  schema: S,
  task: TaskReference,
) {
  return create(schema, {
    resourceMeta: task.resourceMeta,
    taskCategory: task.category,
    ...(schema === v2.GetTaskRequestSchema ? { outputPrefix: task.outputPrefix } : {}),
    connection: task.connection === undefined ? undefined : { ...task.connection },
  } as never);
}

function listed(
  name: string,
  categories: readonly { name: string; version: number }[],
  isSync: boolean,
): ListedConnector {
  return { name, categories: categories.map((c) => ({ name: c.name, version: c.version })), isSync };
}
