// Valid request bytes for every RPC the service serves, to be mutated by the fuzzer. Built with the official
// flyteidl2 descriptors from npm (protobuf-es), not the server's generated copy. Flyte 1 requests are the same
// bytes: Flyte 1 and Flyte 2 share the field numbers of these messages (checked against flyteidl's agent.proto:
// resource_meta=2, task_category=3/5/7, templates, LiteralMap ≡ repeated NamedLiteral), which is exactly what
// lets one client family's bytes be read by the other; the sanity test proves every seed is accepted as valid.
import { create, toBinary, type JsonObject } from '@bufbuild/protobuf';
import {
  CreateTaskRequestSchema,
  DeleteTaskRequestSchema,
  GetConnectorRequestSchema,
  GetTaskLogsRequestSchema,
  GetTaskMetricsRequestSchema,
  GetTaskRequestSchema,
  ListConnectorsRequestSchema,
  TaskExecutionMetadataSchema,
} from '@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts';
import { ResourceType } from '@flyteorg/flyteidl2/flyteidl2/core/identifier_pb.ts';
import { LiteralSchema, type Literal } from '@flyteorg/flyteidl2/flyteidl2/core/literals_pb.ts';
import { TaskTemplateSchema, type TaskTemplate } from '@flyteorg/flyteidl2/flyteidl2/core/tasks_pb.ts';
import { SimpleType, type LiteralType } from '@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts';
import { InputsSchema } from '@flyteorg/flyteidl2/flyteidl2/task/common_pb.ts';
import type { CallKind } from './raw-grpc.js';
import { decodeFields, encodeFields, messageField, stringField, type WireField } from './wire.js';

/** One RPC to fuzz and the valid requests it starts from (a request is one message, or several for a stream). */
export interface FuzzTarget {
  readonly name: string;
  readonly path: string;
  readonly kind: CallKind;
  readonly seeds: readonly (readonly Uint8Array[])[];
}

export interface SeedCategory {
  readonly name: string;
  readonly version: number;
}

export const FUZZ_ASYNC: SeedCategory = { name: 'fuzz_async', version: 0 };
export const FUZZ_PLAIN: SeedCategory = { name: 'fuzz_plain', version: 1 };
export const FUZZ_SYNC: SeedCategory = { name: 'fuzz_sync', version: 0 };

const simple = (type: SimpleType): LiteralType => ({ type: { case: 'simple', value: type } }) as LiteralType;

function variables(entries: Record<string, LiteralType>) {
  return {
    variables: Object.entries(entries).map(([key, type]) => ({ key, value: { type, description: key } })),
  };
}

function scalarLiteral(
  primitive: { case: 'integer'; value: bigint } | { case: 'stringValue'; value: string },
) {
  return create(LiteralSchema, {
    value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: primitive } } } },
  });
}

function template(
  category: SeedCategory,
  inputs: Record<string, LiteralType>,
  outputs: Record<string, LiteralType>,
  custom: JsonObject,
): TaskTemplate {
  return create(TaskTemplateSchema, {
    id: {
      resourceType: ResourceType.TASK,
      project: 'p',
      domain: 'd',
      name: `fuzz.${category.name}`,
      version: 'v1',
    },
    type: category.name,
    taskTypeVersion: category.version,
    interface: { inputs: variables(inputs), outputs: variables(outputs) },
    custom,
  });
}

function executionMetadata(name: string) {
  return create(TaskExecutionMetadataSchema, {
    taskExecutionId: {
      taskId: { resourceType: ResourceType.TASK, project: 'p', domain: 'd', name: 'fuzz', version: 'v1' },
      nodeExecutionId: { nodeId: 'n0', executionId: { project: 'p', domain: 'd', name } },
      retryAttempt: 0,
    },
    namespace: 'p-d',
    labels: { 'execution-id': name },
  });
}

/** A CreateTask request for fuzz_async with inputs of every kind the fixture declares. */
export function richCreateRequest(executionName: string, options: { connection?: boolean } = {}): Uint8Array {
  const listOfInt: LiteralType = {
    type: { case: 'collectionType', value: simple(SimpleType.INTEGER) },
  } as LiteralType;
  const mapOfString: LiteralType = {
    type: { case: 'mapValueType', value: simple(SimpleType.STRING) },
  } as LiteralType;
  const named: { name: string; value: Literal }[] = [
    { name: 'n', value: scalarLiteral({ case: 'integer', value: 21n }) },
    { name: 's', value: scalarLiteral({ case: 'stringValue', value: 'hello' }) },
    {
      name: 'l',
      value: create(LiteralSchema, {
        value: {
          case: 'collection',
          value: { literals: [1n, 2n, 3n].map((v) => scalarLiteral({ case: 'integer', value: v })) },
        },
      }),
    },
    {
      name: 'm',
      value: create(LiteralSchema, {
        value: {
          case: 'map',
          value: { literals: { a: scalarLiteral({ case: 'stringValue', value: 'x' }) } },
        },
      }),
    },
    {
      name: 'g',
      value: create(LiteralSchema, {
        value: {
          case: 'scalar',
          value: { value: { case: 'generic', value: { k: { deep: [1, 'two', { three: true }] } } } },
        },
      }),
    },
  ];
  return toBinary(
    CreateTaskRequestSchema,
    create(CreateTaskRequestSchema, {
      inputs: create(InputsSchema, { literals: named }),
      template: template(
        FUZZ_ASYNC,
        {
          n: simple(SimpleType.INTEGER),
          s: simple(SimpleType.STRING),
          l: listOfInt,
          m: mapOfString,
          g: simple(SimpleType.STRUCT),
        },
        { out: simple(SimpleType.INTEGER) },
        { settings: { nested: { label: 'L' }, limit: 3 } },
      ),
      outputPrefix: `s3://bucket/${executionName}`,
      taskExecutionMetadata: executionMetadata(executionName),
      ...(options.connection === true
        ? {
            connection: {
              taskType: 'fuzz_async',
              secrets: { fuzz_token: 'fuzz-token-value' },
              configs: { k: 'v' },
            },
          }
        : {}),
    }),
  );
}

function simpleCreateRequest(category: SeedCategory, executionName: string): Uint8Array {
  const sync = category.name === FUZZ_SYNC.name;
  return toBinary(
    CreateTaskRequestSchema,
    create(CreateTaskRequestSchema, {
      inputs: create(InputsSchema, {
        literals: sync ? [{ name: 's', value: scalarLiteral({ case: 'stringValue', value: 'hi' }) }] : [],
      }),
      template: template(
        category,
        sync ? { s: simple(SimpleType.STRING) } : {},
        sync ? { out: simple(SimpleType.STRING) } : {},
        {},
      ),
      outputPrefix: `s3://bucket/${executionName}`,
      taskExecutionMetadata: executionMetadata(executionName),
    }),
  );
}

/** Drops the Flyte 2-only `connection` (field 5), which Flyte 1's CreateTaskRequest does not have. */
function withoutField(bytes: Uint8Array, field: number): Uint8Array {
  return encodeFields((decodeFields(bytes) ?? []).filter((f) => f.field !== field));
}

/** Flyte 1 ExecuteTaskSync: a header {template=1, output_prefix=2, task_execution_metadata=3}, then the inputs. */
export function syncStream(createRequest: Uint8Array): Uint8Array[] {
  const fields = decodeFields(createRequest) ?? [];
  const pick = (n: number): WireField[] => fields.filter((f) => f.field === n);
  const header: WireField[] = [
    ...pick(2).map((f) => ({ ...f, field: 1 })),
    ...pick(3).map((f) => ({ ...f, field: 2 })),
    ...pick(4).map((f) => ({ ...f, field: 3 })),
  ];
  const inputs = pick(1)[0]?.value;
  return [
    encodeFields([messageField(1, header)]),
    encodeFields([{ field: 2, wire: 2, value: inputs instanceof Uint8Array ? inputs : new Uint8Array() }]),
  ];
}

export interface CreatedTask {
  readonly category: SeedCategory;
  readonly resourceMeta: Uint8Array;
}

function taskRequests(task: CreatedTask, flyte2: boolean) {
  const common = { resourceMeta: task.resourceMeta, taskCategory: task.category };
  const connection = flyte2
    ? {
        connection: {
          taskType: task.category.name,
          secrets: { fuzz_token: 'fuzz-token-value' },
          configs: {},
        },
      }
    : {};
  return {
    get: toBinary(
      GetTaskRequestSchema,
      create(GetTaskRequestSchema, { ...common, outputPrefix: 's3://b/o', ...connection }),
    ),
    delete: toBinary(DeleteTaskRequestSchema, create(DeleteTaskRequestSchema, { ...common, ...connection })),
    metrics: toBinary(
      GetTaskMetricsRequestSchema,
      create(GetTaskMetricsRequestSchema, {
        ...common,
        queries: ['progress'],
        startTime: { seconds: 1_700_000_000n, nanos: 0 },
        endTime: { seconds: 1_700_000_600n, nanos: 0 },
        step: { seconds: 60n, nanos: 0 },
      }),
    ),
    logs: toBinary(
      GetTaskLogsRequestSchema,
      create(GetTaskLogsRequestSchema, { ...common, lines: 10n, token: '' }),
    ),
  };
}

/** CreateTask requests that the running service must accept (their resource_meta seeds the other RPCs). */
export function createSeeds(): { v1: Uint8Array[]; v2: Uint8Array[]; categories: SeedCategory[] } {
  const v2 = [
    richCreateRequest('seed-rich'),
    richCreateRequest('seed-rich-conn', { connection: true }),
    simpleCreateRequest(FUZZ_PLAIN, 'seed-plain'),
    simpleCreateRequest(FUZZ_SYNC, 'seed-sync'),
  ];
  const categories = [FUZZ_ASYNC, FUZZ_ASYNC, FUZZ_PLAIN, FUZZ_SYNC];
  return { v2, v1: v2.map((bytes) => withoutField(bytes, 5)), categories };
}

/** Every RPC of both families with its seeds, given tasks the service created (one per create seed). */
export function fuzzTargets(created: readonly CreatedTask[]): FuzzTarget[] {
  const { v1: v1Creates, v2: v2Creates } = createSeeds();
  const v2Tasks = created.map((task) => taskRequests(task, true));
  const v1Tasks = created.map((task) => taskRequests(task, false));
  const one = (bytes: Uint8Array) => [bytes];
  const v1 = '/flyteidl.service.AsyncAgentService';
  const v2 = '/flyteidl2.connector.AsyncConnectorService';
  return [
    { name: 'v1 CreateTask', path: `${v1}/CreateTask`, kind: 'unary', seeds: v1Creates.map(one) },
    { name: 'v1 GetTask', path: `${v1}/GetTask`, kind: 'unary', seeds: v1Tasks.map((t) => [t.get]) },
    { name: 'v1 DeleteTask', path: `${v1}/DeleteTask`, kind: 'unary', seeds: v1Tasks.map((t) => [t.delete]) },
    {
      name: 'v1 GetTaskMetrics',
      path: `${v1}/GetTaskMetrics`,
      kind: 'unary',
      seeds: v1Tasks.slice(0, 1).map((t) => [t.metrics]),
    },
    {
      name: 'v1 GetTaskLogs',
      path: `${v1}/GetTaskLogs`,
      kind: 'server-stream',
      seeds: v1Tasks.slice(0, 1).map((t) => [t.logs]),
    },
    {
      name: 'v1 ExecuteTaskSync',
      path: '/flyteidl.service.SyncAgentService/ExecuteTaskSync',
      kind: 'bidi',
      seeds: [syncStream(v1Creates[3]!)],
    },
    {
      name: 'v1 GetAgent',
      path: '/flyteidl.service.AgentMetadataService/GetAgent',
      kind: 'unary',
      seeds: [[encodeFields([stringField(1, 'Fuzz Async Connector')])]],
    },
    {
      name: 'v1 ListAgents',
      path: '/flyteidl.service.AgentMetadataService/ListAgents',
      kind: 'unary',
      seeds: [[new Uint8Array()]],
    },
    { name: 'v2 CreateTask', path: `${v2}/CreateTask`, kind: 'unary', seeds: v2Creates.map(one) },
    { name: 'v2 GetTask', path: `${v2}/GetTask`, kind: 'unary', seeds: v2Tasks.map((t) => [t.get]) },
    { name: 'v2 DeleteTask', path: `${v2}/DeleteTask`, kind: 'unary', seeds: v2Tasks.map((t) => [t.delete]) },
    {
      name: 'v2 GetTaskMetrics',
      path: `${v2}/GetTaskMetrics`,
      kind: 'unary',
      seeds: v2Tasks.slice(0, 1).map((t) => [t.metrics]),
    },
    {
      name: 'v2 GetTaskLogs',
      path: `${v2}/GetTaskLogs`,
      kind: 'server-stream',
      seeds: v2Tasks.slice(0, 1).map((t) => [t.logs]),
    },
    {
      name: 'v2 GetConnector',
      path: '/flyteidl2.connector.ConnectorMetadataService/GetConnector',
      kind: 'unary',
      seeds: [
        [
          toBinary(
            GetConnectorRequestSchema,
            create(GetConnectorRequestSchema, { name: 'Fuzz Async Connector' }),
          ),
        ],
      ],
    },
    {
      name: 'v2 ListConnectors',
      path: '/flyteidl2.connector.ConnectorMetadataService/ListConnectors',
      kind: 'unary',
      seeds: [[toBinary(ListConnectorsRequestSchema, create(ListConnectorsRequestSchema))]],
    },
  ];
}

/** A CreateTask request with scalar inputs (bigint → INTEGER, string → STRING), for scenario tests. */
export function createTaskRequest(options: {
  readonly category: SeedCategory;
  readonly inputs: Readonly<Record<string, bigint | string>>;
  /** Declared outputs, all of one simple type (STRING unless `outputType` says otherwise). */
  readonly outputs?: readonly string[];
  readonly outputType?: SimpleType;
  readonly custom?: JsonObject;
  readonly executionName: string;
  readonly connection?: {
    readonly secrets?: Record<string, string>;
    readonly configs?: Record<string, string>;
  };
  /** Flyte 1 bytes: without the Flyte 2-only `connection`. */
  readonly flyte1?: boolean;
}): Uint8Array {
  const entries = Object.entries(options.inputs);
  const bytes = toBinary(
    CreateTaskRequestSchema,
    create(CreateTaskRequestSchema, {
      inputs: create(InputsSchema, {
        literals: entries.map(([name, value]) => ({
          name,
          value:
            typeof value === 'bigint'
              ? scalarLiteral({ case: 'integer', value })
              : scalarLiteral({ case: 'stringValue', value }),
        })),
      }),
      template: template(
        options.category,
        Object.fromEntries(
          entries.map(([name, value]) => [
            name,
            simple(typeof value === 'bigint' ? SimpleType.INTEGER : SimpleType.STRING),
          ]),
        ),
        Object.fromEntries(
          (options.outputs ?? []).map((name) => [name, simple(options.outputType ?? SimpleType.STRING)]),
        ),
        options.custom ?? {},
      ),
      outputPrefix: `s3://bucket/${options.executionName}`,
      taskExecutionMetadata: executionMetadata(options.executionName),
      ...(options.connection === undefined
        ? {}
        : {
            connection: {
              taskType: options.category.name,
              secrets: options.connection.secrets ?? {},
              configs: options.connection.configs ?? {},
            },
          }),
    }),
  );
  return options.flyte1 === true ? withoutField(bytes, 5) : bytes;
}

/** GetTask / DeleteTask requests for a created task (Flyte 2 with a connection, Flyte 1 without). */
export function lifecycleRequests(
  task: CreatedTask,
  connection?: { readonly secrets?: Record<string, string>; readonly configs?: Record<string, string> },
): { get: Uint8Array; delete: Uint8Array } {
  const common = {
    resourceMeta: task.resourceMeta,
    taskCategory: task.category,
    ...(connection === undefined
      ? {}
      : {
          connection: {
            taskType: task.category.name,
            secrets: connection.secrets ?? {},
            configs: connection.configs ?? {},
          },
        }),
  };
  return {
    get: toBinary(
      GetTaskRequestSchema,
      create(GetTaskRequestSchema, { ...common, outputPrefix: 's3://b/o' }),
    ),
    delete: toBinary(DeleteTaskRequestSchema, create(DeleteTaskRequestSchema, common)),
  };
}

/** The resource_meta of a CreateTaskResponse (field 1). */
export function resourceMetaOf(response: Uint8Array | undefined): Uint8Array {
  const value = decodeFields(response ?? new Uint8Array())?.find((f) => f.field === 1)?.value;
  return value instanceof Uint8Array ? value : new Uint8Array();
}

/** Phase of a GetTaskResponse: resource=1 → phase=5. */
export function phaseOf(response: Uint8Array | undefined): number {
  const resource = decodeFields(response ?? new Uint8Array())?.find((f) => f.field === 1)?.value;
  if (!(resource instanceof Uint8Array)) return 0;
  const phase = decodeFields(resource)?.find((f) => f.field === 5)?.value;
  return typeof phase === 'bigint' ? Number(phase) : 0;
}
