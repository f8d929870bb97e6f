import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  create,
  fromBinary,
  fromJson,
  ScalarType,
  type DescMessage,
  type JsonObject,
  type JsonValue,
} from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { parseYaml } from './yaml.js';
import { InvalidArgumentError } from '../errors.js';
import { TaskTemplateSchema as V1TaskTemplateSchema } from '../gen/v1/flyteidl/core/tasks_pb.js';
import { ResourceType } from '../gen/v2/flyteidl2/core/identifier_pb.js';
import {
  Sql_Dialect,
  SqlSchema,
  TaskTemplateSchema,
  type TaskTemplate,
} from '../gen/v2/flyteidl2/core/tasks_pb.js';
import type { LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { convertMessage } from '../grpc/convert.js';
import { parseTypeSpec } from './type-vocabulary.js';

/** How a task file was written. */
export type TaskFileFormat =
  /** `flyteidl.core.TaskTemplate`, protobuf binary */
  | 'template-binary'
  /** `flyteidl.admin.TaskSpec` (what `pyflyte serialize` writes), protobuf binary: its `template` is used */
  | 'task-spec-binary'
  /** `flyteidl.core.TaskTemplate` (or a TaskSpec `{ template: ... }`) as proto JSON, Flyte 1 or Flyte 2 shape */
  | 'template-json'
  /** the compact YAML/JSON task file of {@link taskFromDocument} */
  | 'task-file';

/** A task file, read and decoded. */
export interface LoadedTask {
  /** The template in the Flyte 2 shape (what the clients send). */
  readonly template: TaskTemplate;
  /** Which of the accepted formats the file was in. */
  readonly format: TaskFileFormat;
}

/** Reads a task file (`-` reads standard input); see {@link parseTaskFile}. */
export async function readTaskFile(path: string): Promise<LoadedTask> {
  let bytes: Uint8Array;
  try {
    bytes = path === '-' ? await readStdin() : await readFile(path);
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read the task file ${path}: ${(error as Error).message}`);
  }
  return parseTaskFile(bytes, path);
}

/**
 * Reads a task in any of the accepted forms. Binary or text is decided by the extension (`.pb`, `.bin` binary;
 * `.json`, `.yaml`, `.yml` text) or else by the content.
 *
 * - Binary: a `flyteidl.core.TaskTemplate`, or a `flyteidl.admin.TaskSpec` holding one (`pyflyte serialize`
 *   output). Read with the Flyte 1 schema and converted to the Flyte 2 shape by a binary round trip, as the
 *   Flyte 1 service does (the two are wire-compatible; fields only Flyte 2 knows are kept).
 * - Proto JSON of a TaskTemplate (or `{ "template": ... }`), recognised by keys only a template has (`interface`,
 *   `id`, `metadata`, `taskTypeVersion`, `container`, ...); JSON or proto field names, Flyte 1 shape first, then
 *   Flyte 2.
 * - Otherwise the compact task file ({@link taskFromDocument}), YAML or JSON.
 *
 * @throws InvalidArgumentError saying what is wrong with the file
 */
export function parseTaskFile(bytes: Uint8Array, name: string): LoadedTask {
  const extension = extname(name).toLowerCase();
  const text = extension === '.pb' || extension === '.bin' ? undefined : asText(bytes, extension);
  if (text === undefined) return templateFromBinary(bytes, name);
  let document: unknown;
  try {
    // YAML 1.2 core schema: JSON parses the same; timestamps stay strings.
    document = parseYaml(text, { uniqueKeys: true, prettyErrors: false });
  } catch (error) {
    throw new InvalidArgumentError(
      `${name}: neither valid YAML nor JSON (${firstLine((error as Error).message)})`,
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new InvalidArgumentError(`${name}: expected a mapping (a task file or a TaskTemplate in JSON)`);
  }
  const object = document as Record<string, unknown>;
  if (isTemplateJson(object)) return { template: templateFromJson(object, name), format: 'template-json' };
  return { template: taskFromDocument(object, name), format: 'task-file' };
}

// ---------------------------------------------------------------------------------------------------------------
// The compact task file

const TASK_FILE_KEYS = ['type', 'version', 'name', 'custom', 'config', 'sql', 'inputs', 'outputs'] as const;
const TEMPLATE_ONLY_KEYS = new Set([
  'template',
  'id',
  'metadata',
  'interface',
  'taskTypeVersion',
  'task_type_version',
  'container',
  'k8sPod',
  'k8s_pod',
  'securityContext',
  'security_context',
  'extendedResources',
  'extended_resources',
]);

/**
 * Builds a TaskTemplate from the compact task file:
 *
 * ```yaml
 * type: bigquery_query_job_task   # template.type (required): picks the connector
 * version: 0                      # template.task_type_version (default 0)
 * name: my_query                  # template.id.name (default: the type)
 * custom: { Location: EU }        # template.custom, any JSON object
 * config: { key: value }          # template.config, string values
 * sql: SELECT * FROM t WHERE x = {{ .inputs.x }}   # template.sql (dialect ANSI), or { statement, dialect }
 * inputs: { x: integer }          # declared inputs: name -> type (see parseTypeSpec)
 * outputs: { results: structured_dataset }
 * ```
 */
export function taskFromDocument(document: Readonly<Record<string, unknown>>, name: string): TaskTemplate {
  const unknown = Object.keys(document).filter((key) => !(TASK_FILE_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `${name}: unknown key(s) ${unknown.map((k) => `'${k}'`).join(', ')} (a task file has ${TASK_FILE_KEYS.join(', ')})`,
    );
  }
  const type = document['type'];
  if (typeof type !== 'string' || type.trim() === '') {
    throw new InvalidArgumentError(
      `${name}: 'type' (the task type, e.g. bigquery_query_job_task) is required`,
    );
  }
  const version = document['version'] ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`${name}: 'version' must be a non-negative integer`);
  }
  const taskName = document['name'] ?? type;
  if (typeof taskName !== 'string') throw new InvalidArgumentError(`${name}: 'name' must be a string`);
  const custom = document['custom'];
  if (custom !== undefined && !isPlainObject(custom)) {
    throw new InvalidArgumentError(`${name}: 'custom' must be a mapping`);
  }
  return create(TaskTemplateSchema, {
    id: {
      resourceType: ResourceType.TASK,
      project: 'local',
      domain: 'development',
      name: taskName,
      version: 'local',
    },
    type,
    taskTypeVersion: version,
    custom: custom === undefined ? undefined : (toJsonObject(custom, `${name}: custom`) as JsonObject),
    config: stringMap(document['config'], `${name}: config`),
    target: sqlTarget(document['sql'], name),
    interface: {
      inputs: { variables: variables(document['inputs'], `${name}: inputs`) },
      outputs: { variables: variables(document['outputs'], `${name}: outputs`) },
    },
  });
}

function variables(
  spec: unknown,
  what: string,
): { key: string; value: { type: LiteralType; description: string } }[] {
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) throw new InvalidArgumentError(`${what}: expected a mapping of names to types`);
  return Object.entries(spec).map(([key, typeSpec]) => ({
    key,
    value: { type: parseTypeSpec(typeSpec, `${what}.${key}`), description: key },
  }));
}

function sqlTarget(sql: unknown, name: string): TaskTemplate['target'] {
  if (sql === undefined) return { case: undefined };
  if (typeof sql === 'string') {
    return { case: 'sql', value: create(SqlSchema, { statement: sql, dialect: Sql_Dialect.ANSI }) };
  }
  if (isPlainObject(sql) && typeof sql['statement'] === 'string') {
    const dialectName = (typeof sql['dialect'] === 'string' ? sql['dialect'] : 'ansi').toUpperCase();
    const dialect = (Sql_Dialect as unknown as Record<string, number | undefined>)[dialectName];
    if (dialect === undefined) {
      throw new InvalidArgumentError(`${name}: sql.dialect must be one of ansi, hive, other`);
    }
    return { case: 'sql', value: create(SqlSchema, { statement: sql['statement'], dialect }) };
  }
  throw new InvalidArgumentError(`${name}: 'sql' must be a statement or { statement, dialect }`);
}

function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new InvalidArgumentError(`${what}: expected a mapping of strings`);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'object' && item !== null) {
      throw new InvalidArgumentError(`${what}.${key}: expected a string (config values are strings)`);
    }
    result[key] = String(item);
  }
  return result;
}

function toJsonObject(value: unknown, what: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidArgumentError(`${what}: ${value} cannot be stored in a Struct`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => toJsonObject(item, `${what}[${i}]`));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonObject(v, `${what}.${k}`)]));
  }
  throw new InvalidArgumentError(`${what}: unsupported value`);
}

// ---------------------------------------------------------------------------------------------------------------
// TaskTemplate in proto JSON

function isTemplateJson(document: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(document).some((key) => TEMPLATE_ONLY_KEYS.has(key));
}

function templateFromJson(document: Record<string, unknown>, name: string): TaskTemplate {
  const json = (isPlainObject(document['template']) ? document['template'] : document) as JsonValue;
  let v1Problem: string;
  try {
    return checked(
      convertMessage(V1TaskTemplateSchema, TaskTemplateSchema, fromJson(V1TaskTemplateSchema, json)),
      name,
    );
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    v1Problem = (error as Error).message;
  }
  try {
    // Flyte 2 differs in shape only where Flyte 1 has maps (e.g. interface variables as a list of entries).
    return checked(fromJson(TaskTemplateSchema, json), name);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError(`${name}: not a TaskTemplate in proto JSON (${v1Problem})`);
  }
}

function checked(template: TaskTemplate, name: string): TaskTemplate {
  if (template.type === '') throw new InvalidArgumentError(`${name}: the TaskTemplate has no type`);
  return template;
}

// ---------------------------------------------------------------------------------------------------------------
// Binary

/** Task types are identifiers; garbage read from the wrong message is not. */
const TASK_TYPE = /^[A-Za-z0-9_.:-]{1,200}$/;

function templateFromBinary(bytes: Uint8Array, name: string): LoadedTask {
  // The same bytes can often be read either way (both messages start with length-delimited fields), so each
  // reading must also have the right wire types and a plausible task type.
  const direct = readTemplate(bytes);
  if (direct !== undefined) return { template: direct, format: 'template-binary' };
  const inner = taskSpecTemplate(bytes);
  const wrapped = inner === undefined ? undefined : readTemplate(inner);
  if (wrapped !== undefined) return { template: wrapped, format: 'task-spec-binary' };
  throw new InvalidArgumentError(
    `${name}: not a serialized flyteidl.core.TaskTemplate (nor a flyteidl.admin.TaskSpec holding one)`,
  );
}

function readTemplate(bytes: Uint8Array): TaskTemplate | undefined {
  if (!wireShapeMatches(V1TaskTemplateSchema, bytes)) return undefined;
  try {
    const v1 = fromBinary(V1TaskTemplateSchema, bytes);
    if (!TASK_TYPE.test(v1.type)) return undefined;
    return convertMessage(V1TaskTemplateSchema, TaskTemplateSchema, v1);
  } catch {
    return undefined;
  }
}

/** Field 1 (`template`) of a `flyteidl.admin.TaskSpec{template=1, description=2}`, if the bytes are one. */
function taskSpecTemplate(bytes: Uint8Array): Uint8Array | undefined {
  try {
    const reader = new BinaryReader(bytes);
    let template: Uint8Array | undefined;
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if ((field !== 1 && field !== 2) || wireType !== WireType.LengthDelimited) return undefined;
      const value = reader.bytes();
      if (field === 1) template = value;
    }
    return template;
  } catch {
    return undefined;
  }
}

/** Whether every known top-level field of the bytes has the wire type the schema expects. */
function wireShapeMatches(schema: DescMessage, bytes: Uint8Array): boolean {
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [number, wireType] = reader.tag();
      const field = schema.fields.find((f) => f.number === number);
      if (field !== undefined && !expectedWireTypes(field).includes(wireType)) return false;
      reader.skip(wireType, number);
    }
    return true;
  } catch {
    return false;
  }
}

function expectedWireTypes(field: DescMessage['fields'][number]): WireType[] {
  switch (field.fieldKind) {
    case 'message':
    case 'map':
      return [WireType.LengthDelimited];
    case 'enum':
      return [WireType.Varint];
    case 'list':
      return field.listKind === 'scalar'
        ? [WireType.LengthDelimited, scalarWireType(field.scalar)]
        : field.listKind === 'enum'
          ? [WireType.LengthDelimited, WireType.Varint]
          : [WireType.LengthDelimited];
    case 'scalar':
      return [scalarWireType(field.scalar)];
  }
}

function scalarWireType(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** The text of a file that looks like text; undefined for binary. */
function asText(bytes: Uint8Array, extension: string): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  if (extension === '.json' || extension === '.yaml' || extension === '.yml') return text;
  // eslint-disable-next-line no-control-regex -- control characters are what marks protobuf binary
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text) ? undefined : text;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
