import { create, type JsonObject } from '@bufbuild/protobuf';
import type { TaskTemplate } from '../connector.js';
import { ResourceType } from '../gen/v2/flyteidl2/core/identifier_pb.js';
import { Sql_Dialect, TaskTemplateSchema } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import {
  BlobType_BlobDimensionality,
  LiteralTypeSchema,
  SimpleType,
  type LiteralType,
} from '../gen/v2/flyteidl2/core/types_pb.js';

/**
 * A declared variable type: a simple type's name, a file (`FILE`), a directory (`DIRECTORY`), a structured
 * dataset (`STRUCTURED_DATASET`, as SQL connectors return), or any `LiteralType` message for the rest.
 */
export type VariableTypeSpec =
  keyof typeof SimpleType | 'FILE' | 'DIRECTORY' | 'STRUCTURED_DATASET' | LiteralType;

/** A task template described in a few fields; see {@link taskTemplate}. */
export interface TaskTemplateSpec {
  /** The task type (`template.type`), e.g. `bigquery_query_job_task`. */
  readonly type: string;
  /** `template.task_type_version`. Default 0. */
  readonly version?: number;
  /** `template.custom`, as the Python SDKs serialize task settings. */
  readonly custom?: JsonObject;
  /** `template.config` (Flyte 1 SQL tasks keep connection fields there). */
  readonly config?: Readonly<Record<string, string>>;
  /** `template.sql.statement` (dialect ANSI), for SQL tasks. */
  readonly sql?: string;
  /** Declared inputs by name. */
  readonly inputs?: Readonly<Record<string, VariableTypeSpec>>;
  /** Declared outputs by name. */
  readonly outputs?: Readonly<Record<string, VariableTypeSpec>>;
  /** The task's name in its id. Default `acceptance.<type>`. */
  readonly name?: string;
}

/** Builds a Flyte 2 `TaskTemplate` (core converts it for Flyte 1 calls) from a short description. */
export function taskTemplate(spec: TaskTemplateSpec): TaskTemplate {
  return create(TaskTemplateSchema, {
    id: {
      resourceType: ResourceType.TASK,
      project: 'acceptance',
      domain: 'development',
      name: spec.name ?? `acceptance.${spec.type}`,
      version: 'v1',
    },
    type: spec.type,
    taskTypeVersion: spec.version ?? 0,
    interface: { inputs: variableMap(spec.inputs), outputs: variableMap(spec.outputs) },
    custom: spec.custom ?? {},
    config: { ...spec.config },
    ...(spec.sql === undefined
      ? {}
      : { target: { case: 'sql' as const, value: { statement: spec.sql, dialect: Sql_Dialect.ANSI } } }),
  });
}

function variableMap(variables: Readonly<Record<string, VariableTypeSpec>> | undefined) {
  return {
    variables: Object.entries(variables ?? {}).map(([key, type]) => ({
      key,
      value: { type: literalType(type), description: key },
    })),
  };
}

/** The `LiteralType` a {@link VariableTypeSpec} stands for. */
export function literalType(spec: VariableTypeSpec): LiteralType {
  if (typeof spec !== 'string') return spec;
  switch (spec) {
    case 'FILE':
      return create(LiteralTypeSchema, {
        type: { case: 'blob', value: { format: '', dimensionality: BlobType_BlobDimensionality.SINGLE } },
      });
    case 'DIRECTORY':
      return create(LiteralTypeSchema, {
        type: { case: 'blob', value: { format: '', dimensionality: BlobType_BlobDimensionality.MULTIPART } },
      });
    case 'STRUCTURED_DATASET':
      return create(LiteralTypeSchema, {
        type: { case: 'structuredDatasetType', value: { format: 'parquet' } },
      });
    default:
      return create(LiteralTypeSchema, { type: { case: 'simple', value: SimpleType[spec] } });
  }
}
