// Builds what Flyte sends for a BigQuery task: the TaskTemplate (type, custom, sql, typed interface), input
// literals and task execution metadata, as the Flyte 2 wire messages core's clients take (core's protocol
// clients convert them for Flyte 1). The message types come from core's public API; the objects are complete
// protobuf-es messages, so the clients serialize them like any generated message.
import type { CreateTaskInput, LiteralType, TaskExecutionMetadata, TaskTemplate } from '@org/connector-core';

export type JsonObject = NonNullable<TaskTemplate['custom']>;
type NamedLiteral = CreateTaskInput['inputs'][number];
export type Literal = NonNullable<NamedLiteral['value']>;
type Scalar = Extract<Literal['value'], { case: 'scalar' }>['value'];
type Primitive = Extract<Scalar['value'], { case: 'primitive' }>['value'];
type Variable = NonNullable<
  NonNullable<NonNullable<TaskTemplate['interface']>['inputs']>['variables'][number]['value']
>;
type VariableMap = NonNullable<NonNullable<TaskTemplate['interface']>['inputs']>;
type StructuredDatasetType = Extract<LiteralType['type'], { case: 'structuredDatasetType' }>['value'];
type TaskExecutionIdentifier = NonNullable<TaskExecutionMetadata['taskExecutionId']>;

// ------------------------------------------------------------------------------------------------ literal types

export const SIMPLE = {
  NONE: 0,
  INTEGER: 1,
  FLOAT: 2,
  STRING: 3,
  BOOLEAN: 4,
  DATETIME: 5,
  DURATION: 6,
  BINARY: 7,
  STRUCT: 9,
} as const;
type SimpleName = keyof typeof SIMPLE;

function literalType(type: LiteralType['type']): LiteralType {
  return { $typeName: 'flyteidl2.core.LiteralType', type };
}

export const types = {
  simple: (name: SimpleName): LiteralType => literalType({ case: 'simple', value: SIMPLE[name] }),
  list: (element: LiteralType): LiteralType => literalType({ case: 'collectionType', value: element }),
  map: (value: LiteralType): LiteralType => literalType({ case: 'mapValueType', value }),
  optional: (variant: LiteralType): LiteralType =>
    literalType({
      case: 'unionType',
      value: { $typeName: 'flyteidl2.core.UnionType', variants: [variant, types.simple('NONE')] },
    }),
  dataset: (format = ''): LiteralType =>
    literalType({ case: 'structuredDatasetType', value: datasetType(format) }),
};

function datasetType(format: string): StructuredDatasetType {
  return {
    $typeName: 'flyteidl2.core.StructuredDatasetType',
    columns: [],
    format,
    externalSchemaType: '',
    externalSchemaBytes: new Uint8Array(),
  };
}

// ------------------------------------------------------------------------------------------------ literals

function scalarLiteral(value: Scalar['value']): Literal {
  return {
    $typeName: 'flyteidl2.core.Literal',
    value: { case: 'scalar', value: { $typeName: 'flyteidl2.core.Scalar', value } },
    hash: '',
    metadata: {},
  };
}

function primitive(value: Primitive['value']): Literal {
  return scalarLiteral({ case: 'primitive', value: { $typeName: 'flyteidl2.core.Primitive', value } });
}

export const literals = {
  int: (value: bigint): Literal => primitive({ case: 'integer', value }),
  float: (value: number): Literal => primitive({ case: 'floatValue', value }),
  str: (value: string): Literal => primitive({ case: 'stringValue', value }),
  bool: (value: boolean): Literal => primitive({ case: 'boolean', value }),
  datetime: (date: Date): Literal =>
    primitive({
      case: 'datetime',
      value: {
        $typeName: 'google.protobuf.Timestamp',
        seconds: BigInt(Math.floor(date.getTime() / 1000)),
        nanos: (date.getTime() % 1000) * 1_000_000,
      },
    }),
  duration: (milliseconds: number): Literal =>
    primitive({
      case: 'duration',
      value: {
        $typeName: 'google.protobuf.Duration',
        seconds: BigInt(Math.floor(milliseconds / 1000)),
        nanos: (milliseconds % 1000) * 1_000_000,
      },
    }),
  bytes: (value: Uint8Array): Literal =>
    scalarLiteral({ case: 'binary', value: { $typeName: 'flyteidl2.core.Binary', value, tag: '' } }),
  /** A generic protobuf Struct (how flytekit sends dicts and, before msgpack, dataclasses). */
  struct: (value: JsonObject): Literal => scalarLiteral({ case: 'generic', value }),
  none: (): Literal => scalarLiteral({ case: 'noneType', value: { $typeName: 'flyteidl2.core.Void' } }),
  list: (items: readonly Literal[]): Literal => ({
    $typeName: 'flyteidl2.core.Literal',
    value: {
      case: 'collection',
      value: { $typeName: 'flyteidl2.core.LiteralCollection', literals: [...items] },
    },
    hash: '',
    metadata: {},
  }),
  map: (entries: Readonly<Record<string, Literal>>): Literal => ({
    $typeName: 'flyteidl2.core.Literal',
    value: { case: 'map', value: { $typeName: 'flyteidl2.core.LiteralMap', literals: { ...entries } } },
    hash: '',
    metadata: {},
  }),
  /** A union value as Flyte sends an Optional[T]: the value plus the type of the variant it matched. */
  union: (value: Literal, type: LiteralType): Literal =>
    scalarLiteral({ case: 'union', value: { $typeName: 'flyteidl2.core.Union', value, type } }),
};

// ------------------------------------------------------------------------------------------------ templates

export const PROJECT = 'flytesnacks';
export const DOMAIN = 'development';

export interface BigQueryTaskSpec {
  readonly sql: string;
  readonly custom: JsonObject;
  readonly inputs?: Readonly<Record<string, LiteralType>>;
  readonly outputs?: Readonly<Record<string, LiteralType>>;
  readonly taskName?: string;
  readonly config?: Readonly<Record<string, string>>;
  readonly metadata?: TaskTemplate['metadata'];
}

function variables(declared: Readonly<Record<string, LiteralType>>): VariableMap {
  return {
    $typeName: 'flyteidl2.core.VariableMap',
    variables: Object.entries(declared).map(([key, type]) => ({
      $typeName: 'flyteidl2.core.VariableEntry',
      key,
      value: variable(type, key),
    })),
  };
}

function variable(type: LiteralType, description: string): Variable {
  return { $typeName: 'flyteidl2.core.Variable', type, description };
}

/** A `bigquery_query_job_task` v0 template, laid out as flytekit's BigQueryTask serializes it. */
export function bigQueryTemplate(spec: BigQueryTaskSpec): TaskTemplate {
  return {
    $typeName: 'flyteidl2.core.TaskTemplate',
    id: {
      $typeName: 'flyteidl2.core.Identifier',
      resourceType: 1, // TASK
      project: PROJECT,
      domain: DOMAIN,
      name: spec.taskName ?? 'tests.bigquery.query',
      version: 'v1',
      org: '',
    },
    type: 'bigquery_query_job_task',
    taskTypeVersion: 0,
    interface: {
      $typeName: 'flyteidl2.core.TypedInterface',
      inputs: variables(spec.inputs ?? {}),
      outputs: variables(spec.outputs ?? {}),
    },
    custom: spec.custom,
    ...(spec.metadata === undefined ? {} : { metadata: spec.metadata }),
    target: { case: 'sql', value: { $typeName: 'flyteidl2.core.Sql', statement: spec.sql, dialect: 1 } },
    config: { ...spec.config },
  };
}

let executions = 0;

/** A fresh execution name per call (so that each test's attempt key, and job id, is its own). */
export function uniqueExecution(prefix = 'bq'): string {
  executions += 1;
  return `${prefix}${process.pid}x${executions}`;
}

export function executionMetadata(
  executionName: string,
  options: { nodeId?: string; retryAttempt?: number; taskName?: string } = {},
): TaskExecutionMetadata {
  const taskExecutionId: TaskExecutionIdentifier = {
    $typeName: 'flyteidl2.core.TaskExecutionIdentifier',
    taskId: {
      $typeName: 'flyteidl2.core.Identifier',
      resourceType: 1,
      project: PROJECT,
      domain: DOMAIN,
      name: options.taskName ?? 'tests.bigquery.query',
      version: 'v1',
      org: '',
    },
    nodeExecutionId: {
      $typeName: 'flyteidl2.core.NodeExecutionIdentifier',
      nodeId: options.nodeId ?? 'n0',
      executionId: {
        $typeName: 'flyteidl2.core.WorkflowExecutionIdentifier',
        project: PROJECT,
        domain: DOMAIN,
        name: executionName,
        org: '',
      },
    },
    retryAttempt: options.retryAttempt ?? 0,
  };
  return {
    $typeName: 'flyteidl2.connector.TaskExecutionMetadata',
    taskExecutionId,
    namespace: `${PROJECT}-${DOMAIN}`,
    labels: { 'execution-id': executionName },
    annotations: {},
    k8sServiceAccount: 'default',
    environmentVariables: {},
    maxAttempts: 1,
    interruptible: false,
    interruptibleFailureThreshold: 0,
  };
}

/** Named input literals in the order given. */
export function inputs(values: Readonly<Record<string, Literal>>): NamedLiteral[] {
  return Object.entries(values).map(([name, value]) => ({
    $typeName: 'flyteidl2.task.NamedLiteral',
    name,
    value,
  }));
}
