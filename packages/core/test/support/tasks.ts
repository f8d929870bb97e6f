// Builds what Flyte sends for the fixture connectors: task templates (type, task_type_version, a typed interface,
// a custom Struct), input literals and execution metadata, in both protocol families. One neutral description
// (TaskSpec) is rendered as protobuf-es messages (Flyte 2) or proto-loader plain objects (Flyte 1).
import { create, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import {
  CreateTaskRequestSchema,
  TaskExecutionMetadataSchema,
  type CreateTaskRequest,
  type Resource,
  type TaskExecutionMetadata,
} from '@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts';
import { ResourceType } from '@flyteorg/flyteidl2/flyteidl2/core/identifier_pb.ts';
import { LiteralSchema, type Literal } from '@flyteorg/flyteidl2/flyteidl2/core/literals_pb.ts';
import { ConnectionSchema } from '@flyteorg/flyteidl2/flyteidl2/core/security_pb.ts';
import { TaskTemplateSchema, type TaskTemplate } from '@flyteorg/flyteidl2/flyteidl2/core/tasks_pb.ts';
import { SimpleType } from '@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts';
import { InputsSchema, type Inputs } from '@flyteorg/flyteidl2/flyteidl2/task/common_pb.ts';
import type { Loose, V1Message } from './flyte1-client.js';

export type SimpleTypeName = 'INTEGER' | 'FLOAT' | 'STRING' | 'BOOLEAN';
/** The literal sent is chosen by the JS type: bigint → integer, number → float, string, boolean. */
export type PlainValue = bigint | number | string | boolean;

export interface TaskInput {
  /** The type declared in the template's interface. */
  readonly declared: SimpleTypeName;
  /** The value sent; its literal kind follows its JS type, so a mismatch with `declared` can be provoked. */
  readonly value: PlainValue;
}

export interface TaskSpec {
  readonly taskType: string;
  readonly version: number;
  readonly inputs: Readonly<Record<string, TaskInput>>;
  readonly outputs: Readonly<Record<string, SimpleTypeName>>;
  readonly custom?: JsonObject;
  /** Distinguishes executions (and so the attempt key connectors derive from them). */
  readonly executionName?: string;
}

export const int = (value: bigint | number): TaskInput => ({ declared: 'INTEGER', value: BigInt(value) });
export const str = (value: string): TaskInput => ({ declared: 'STRING', value });

export type JobMode = 'ok' | 'fail' | 'throw' | 'hang' | 'unavailable' | 'slow-create' | 'exit';

/** `test_job` (v0, async): result = 2 * x after `durationMs`. */
export function jobTask(
  options: { x?: bigint; mode?: JobMode; durationMs?: number; label?: string; executionName?: string } = {},
): TaskSpec {
  return {
    taskType: 'test_job',
    version: 0,
    inputs: {
      x: int(options.x ?? 21n),
      mode: str(options.mode ?? 'ok'),
      duration_ms: int(options.durationMs ?? 0),
    },
    outputs: { result: 'INTEGER' },
    custom: options.label === undefined ? {} : { label: options.label },
    executionName: options.executionName ?? uniqueName('job'),
  };
}

/** `test_secret` (v1, async): needs the `token` secret and `custom.region`. */
export function secretTask(
  options: { behaviour?: 'ok' | 'leak-meta' | 'leak-error'; region?: string | null } = {},
): TaskSpec {
  const region = options.region === undefined ? 'eu-west-1' : options.region;
  return {
    taskType: 'test_secret',
    version: 1,
    inputs: { behaviour: str(options.behaviour ?? 'ok') },
    outputs: {},
    custom: region === null ? {} : { region },
    executionName: uniqueName('secret'),
  };
}

/** `test_sync` (v0, sync): o0 = `echo: <message>`. */
export function syncTask(message = 'hello'): TaskSpec {
  return {
    taskType: 'test_sync',
    version: 0,
    inputs: { message: str(message) },
    outputs: { o0: 'STRING' },
    executionName: uniqueName('sync'),
  };
}

/** The same task with more (or replaced) inputs. */
export function withInputs(spec: TaskSpec, inputs: Readonly<Record<string, TaskInput>>): TaskSpec {
  return { ...spec, inputs: { ...spec.inputs, ...inputs } };
}

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

const PROJECT = 'flytesnacks';
const DOMAIN = 'development';

// ---------------------------------------------------------------------------------------------------------------
// Flyte 2 (protobuf-es messages from @flyteorg/flyteidl2)

function v2Variables(types: Readonly<Record<string, SimpleTypeName>>) {
  return {
    variables: Object.entries(types).map(([key, type]) => ({
      key,
      value: { type: { type: { case: 'simple' as const, value: SimpleType[type] } }, description: key },
    })),
  };
}

export function v2Template(spec: TaskSpec): TaskTemplate {
  return create(TaskTemplateSchema, {
    id: {
      resourceType: ResourceType.TASK,
      project: PROJECT,
      domain: DOMAIN,
      name: `tests.${spec.taskType}`,
      version: 'v1',
    },
    type: spec.taskType,
    taskTypeVersion: spec.version,
    interface: {
      inputs: v2Variables(Object.fromEntries(Object.entries(spec.inputs).map(([k, v]) => [k, v.declared]))),
      outputs: v2Variables(spec.outputs),
    },
    custom: spec.custom ?? {},
  });
}

export function v2Literal(value: PlainValue): Literal {
  const primitive =
    typeof value === 'bigint'
      ? { case: 'integer' as const, value }
      : typeof value === 'number'
        ? { case: 'floatValue' as const, value }
        : typeof value === 'string'
          ? { case: 'stringValue' as const, value }
          : { case: 'boolean' as const, value };
  return create(LiteralSchema, {
    value: { case: 'scalar', value: { value: { case: 'primitive', value: { value: primitive } } } },
  });
}

export function v2Inputs(spec: TaskSpec): Inputs {
  return create(InputsSchema, {
    literals: Object.entries(spec.inputs).map(([name, input]) => ({ name, value: v2Literal(input.value) })),
  });
}

export function v2ExecutionMetadata(spec: TaskSpec): TaskExecutionMetadata {
  return create(TaskExecutionMetadataSchema, {
    taskExecutionId: {
      taskId: {
        resourceType: ResourceType.TASK,
        project: PROJECT,
        domain: DOMAIN,
        name: `tests.${spec.taskType}`,
        version: 'v1',
      },
      nodeExecutionId: {
        nodeId: 'n0',
        executionId: { project: PROJECT, domain: DOMAIN, name: spec.executionName ?? 'exec' },
      },
      retryAttempt: 0,
    },
    namespace: `${PROJECT}-${DOMAIN}`,
    labels: { 'execution-id': spec.executionName ?? 'exec' },
    annotations: {},
    environmentVariables: {},
    maxAttempts: 1,
  });
}

export function v2CreateRequest(
  spec: TaskSpec,
  options: {
    secrets?: Record<string, string>;
    configs?: Record<string, string>;
    withoutTemplate?: boolean;
  } = {},
): CreateTaskRequest {
  return create(CreateTaskRequestSchema, {
    inputs: v2Inputs(spec),
    template: options.withoutTemplate === true ? undefined : v2Template(spec),
    outputPrefix: `s3://bucket/metadata/${spec.executionName ?? 'exec'}/n0/0`,
    taskExecutionMetadata: v2ExecutionMetadata(spec),
    connection:
      options.secrets === undefined && options.configs === undefined
        ? undefined
        : create(ConnectionSchema, {
            taskType: spec.taskType,
            secrets: options.secrets ?? {},
            configs: options.configs ?? {},
          }),
  });
}

/** The plain value of a named output in a Flyte 2 resource (undefined when absent). */
export function v2Output(resource: Resource | undefined, name: string): PlainValue | undefined {
  const literal = resource?.outputs?.literals.find((l) => l.name === name)?.value;
  if (literal?.value.case !== 'scalar') return undefined;
  const scalar = literal.value.value.value;
  if (scalar.case !== 'primitive') return undefined;
  const primitive = scalar.value.value;
  return primitive.case === undefined ? undefined : (primitive.value as PlainValue);
}

// ---------------------------------------------------------------------------------------------------------------
// Flyte 1 (plain objects for proto-loader, snake_case as in flyteidl/*.proto)

function v1Variables(types: Readonly<Record<string, SimpleTypeName>>): V1Message {
  return {
    variables: Object.fromEntries(
      Object.entries(types).map(([key, type]) => [key, { type: { simple: type }, description: key }]),
    ),
  };
}

export function toV1Value(value: JsonValue): V1Message {
  // protobufjs (under proto-loader) defines the well-known Struct types itself, with camelCase field names.
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toV1Value) } };
  return { structValue: toV1Struct(value) };
}

/** JSON → google.protobuf.Struct as proto-loader takes it. */
export function toV1Struct(object: JsonObject): V1Message {
  return { fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, toV1Value(v)])) };
}

/** google.protobuf.Struct as proto-loader returns it (with `oneofs: true`) → JSON. */
export function fromV1Struct(struct: V1Message | null | undefined): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries((struct?.['fields'] ?? {}) as Record<string, V1Message>)) {
    result[key] = fromV1Value(value);
  }
  return result;
}

function fromV1Value(value: V1Message): JsonValue {
  switch (value['kind']) {
    case 'nullValue':
      return null;
    case 'numberValue':
      return value['numberValue'] as number;
    case 'stringValue':
      return value['stringValue'] as string;
    case 'boolValue':
      return value['boolValue'] as boolean;
    case 'listValue':
      return ((value['listValue']?.['values'] ?? []) as V1Message[]).map(fromV1Value);
    case 'structValue':
      return fromV1Struct(value['structValue']);
    default:
      throw new Error(`unexpected google.protobuf.Value ${JSON.stringify(value)}`);
  }
}

export function v1Template(spec: TaskSpec): V1Message {
  return {
    id: {
      resource_type: 'TASK',
      project: PROJECT,
      domain: DOMAIN,
      name: `tests.${spec.taskType}`,
      version: 'v1',
    },
    type: spec.taskType,
    task_type_version: spec.version,
    metadata: {
      runtime: { type: 'FLYTE_SDK', version: '1.16.0', flavor: 'python' },
      retries: { retries: 0 },
    },
    interface: {
      inputs: v1Variables(Object.fromEntries(Object.entries(spec.inputs).map(([k, v]) => [k, v.declared]))),
      outputs: v1Variables(spec.outputs),
    },
    custom: toV1Struct(spec.custom ?? {}),
  };
}

export function v1Literal(value: PlainValue): V1Message {
  const primitive =
    typeof value === 'bigint'
      ? { integer: value.toString() }
      : typeof value === 'number'
        ? { float_value: value }
        : typeof value === 'string'
          ? { string_value: value }
          : { boolean: value };
  return { scalar: { primitive } };
}

export function v1Inputs(spec: TaskSpec): V1Message {
  return {
    literals: Object.fromEntries(
      Object.entries(spec.inputs).map(([name, input]) => [name, v1Literal(input.value)]),
    ),
  };
}

export function v1ExecutionMetadata(spec: TaskSpec): V1Message {
  return {
    task_execution_id: {
      task_id: {
        resource_type: 'TASK',
        project: PROJECT,
        domain: DOMAIN,
        name: `tests.${spec.taskType}`,
        version: 'v1',
      },
      node_execution_id: {
        node_id: 'n0',
        execution_id: { project: PROJECT, domain: DOMAIN, name: spec.executionName ?? 'exec' },
      },
      retry_attempt: 0,
    },
    namespace: `${PROJECT}-${DOMAIN}`,
    labels: { 'execution-id': spec.executionName ?? 'exec' },
    annotations: {},
    k8s_service_account: 'default',
    environment_variables: {},
    max_attempts: 1,
  };
}

export function v1CreateRequest(spec: TaskSpec, options: { withoutTemplate?: boolean } = {}): V1Message {
  return {
    inputs: v1Inputs(spec),
    ...(options.withoutTemplate === true ? {} : { template: v1Template(spec) }),
    output_prefix: `s3://bucket/metadata/${spec.executionName ?? 'exec'}/n0/0`,
    task_execution_metadata: v1ExecutionMetadata(spec),
  };
}

/** The ExecuteTaskSync header propeller sends (CreateRequestHeader). */
export function v1SyncHeader(spec: TaskSpec) {
  return {
    template: v1Template(spec),
    output_prefix: `s3://bucket/metadata/${spec.executionName ?? 'exec'}/n0/0`,
    task_execution_metadata: v1ExecutionMetadata(spec),
  };
}

/** The plain value of a named output in a Flyte 1 LiteralMap (int64 as a string, as proto-loader reads it). */
export function v1Output(outputs: V1Message | null | undefined, name: string): Loose {
  const primitive = outputs?.['literals']?.[name]?.['scalar']?.['primitive'];
  if (primitive === undefined || primitive === null) return undefined;
  return primitive[primitive['value'] as string];
}
