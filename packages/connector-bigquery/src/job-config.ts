import { InvalidArgumentError, type ParamValue } from '@org/connector-core';
import type { QueryParameter, QueryParameterType, QueryParameterValue } from './query-parameters.js';

type JsonValue = ParamValue<'json'>;
type JsonObject = { [key: string]: JsonValue };

/**
 * The QueryJobConfig settings a task carries in `template.custom`. flytekit and flyte-sdk serialize
 * `BigQueryConfig(QueryJobConfig=...)` by merging `QueryJobConfig.to_api_repr()["query"]` into custom, so the
 * fields arrive at the top level in the REST API's camelCase form; job-level settings (`labels`, `dryRun`,
 * `jobTimeoutMs`, `reservation`) are accepted at the top level too.
 */
export interface QueryJobSettings {
  /** JobConfigurationQuery fields (validated), without queryParameters/parameterMode. */
  readonly query: Readonly<Record<string, JsonValue>>;
  /** `queryParameters` of the task: type declarations (and values when no input has the name). */
  readonly declaredParameters: readonly QueryParameter[];
  readonly labels: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
  readonly jobTimeoutMs: string | undefined;
  readonly reservation: string | undefined;
  /** Keys of custom that are neither settings nor the known task fields (for a debug log line). */
  readonly ignored: readonly string[];
}

/** Fields every BigQuery task has that are not job settings. */
const TASK_FIELDS = new Set(['ProjectID', 'Location', 'Domain', 'secrets', 'query']);

const ENUMS: Readonly<Record<string, readonly string[]>> = {
  createDisposition: ['CREATE_IF_NEEDED', 'CREATE_NEVER'],
  writeDisposition: ['WRITE_TRUNCATE', 'WRITE_APPEND', 'WRITE_EMPTY', 'WRITE_TRUNCATE_DATA'],
  priority: ['INTERACTIVE', 'BATCH'],
};
const BOOLEANS = new Set([
  'useQueryCache',
  'useLegacySql',
  'allowLargeResults',
  'flattenResults',
  'preserveNulls',
  'createSession',
  'continuous',
  'writeIncrementalResults',
]);
/** Structured settings passed to BigQuery as written (BigQuery validates their insides). */
const OBJECTS = new Set([
  'timePartitioning',
  'rangePartitioning',
  'clustering',
  'destinationEncryptionConfiguration',
  'scriptOptions',
  'tableDefinitions',
]);
const ARRAYS = new Set(['userDefinedFunctionResources', 'connectionProperties']);

/** Reads and checks the job settings of a task; throws InvalidArgumentError naming the offending field. */
export function readJobSettings(custom: JsonObject | undefined, project: string): QueryJobSettings {
  const query: Record<string, JsonValue> = {};
  let declaredParameters: QueryParameter[] = [];
  let labels: Record<string, string> = {};
  let dryRun = false;
  let jobTimeoutMs: string | undefined;
  let reservation: string | undefined;
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(custom ?? {})) {
    // Struct fields set to None by the Python SDKs arrive as null: treat them as unset.
    if (value === null || TASK_FIELDS.has(key)) continue;
    if (key === 'destinationTable') query[key] = tableReference(value, key, project);
    else if (key === 'defaultDataset') query[key] = datasetReference(value, key, project);
    else if (ENUMS[key] !== undefined) query[key] = enumValue(value, key, ENUMS[key]);
    else if (BOOLEANS.has(key)) query[key] = booleanValue(value, key);
    else if (key === 'maximumBytesBilled') query[key] = int64Text(value, key);
    else if (key === 'maximumBillingTier') query[key] = Number(int64Text(value, key));
    else if (key === 'schemaUpdateOptions') query[key] = stringList(value, key);
    else if (OBJECTS.has(key)) query[key] = objectValue(value, key);
    else if (ARRAYS.has(key)) query[key] = arrayValue(value, key);
    else if (key === 'queryParameters') declaredParameters = parameterList(value);
    else if (key === 'parameterMode') parameterMode(value);
    else if (key === 'labels') labels = stringMap(value, key);
    else if (key === 'dryRun') dryRun = booleanValue(value, key);
    else if (key === 'jobTimeoutMs') jobTimeoutMs = int64Text(value, key);
    else if (key === 'reservation') reservation = stringValue(value, key);
    else ignored.push(key);
  }
  return { query, declaredParameters, labels, dryRun, jobTimeoutMs, reservation, ignored };
}

/** The REST `JobConfiguration` of the query job. */
export function jobConfiguration(
  settings: QueryJobSettings,
  sql: string,
  parameters: readonly QueryParameter[],
  labels: Readonly<Record<string, string>>,
): JobConfiguration {
  return {
    jobType: 'QUERY',
    query: {
      // The REST default is legacy SQL, which has no named parameters; the SDKs default to GoogleSQL.
      useLegacySql: false,
      ...settings.query,
      query: sql,
      ...(parameters.length === 0 ? {} : { parameterMode: 'NAMED', queryParameters: parameters }),
    },
    labels,
    ...(settings.dryRun ? { dryRun: true } : {}),
    ...(settings.jobTimeoutMs === undefined ? {} : { jobTimeoutMs: settings.jobTimeoutMs }),
    ...(settings.reservation === undefined ? {} : { reservation: settings.reservation }),
  };
}

/** The part of the REST `JobConfiguration` this connector writes. */
export interface JobConfiguration {
  readonly jobType: 'QUERY';
  readonly query: Readonly<Record<string, JsonValue | readonly QueryParameter[]>> & {
    readonly query: string;
  };
  readonly labels: Readonly<Record<string, string>>;
  readonly dryRun?: boolean;
  readonly jobTimeoutMs?: string;
  readonly reservation?: string;
}

function fail(key: string, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(`custom.${key}: expected ${expected}.`);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringValue(value: JsonValue, key: string): string {
  if (typeof value !== 'string' || value === '') throw fail(key, 'a non-empty string');
  return value;
}

function booleanValue(value: JsonValue, key: string): boolean {
  if (typeof value !== 'boolean') throw fail(key, 'true or false');
  return value;
}

function enumValue(value: JsonValue, key: string, allowed: readonly string[]): string {
  const text = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (text === undefined || !allowed.includes(text)) throw fail(key, `one of ${allowed.join(', ')}`);
  return text;
}

/** int64 fields are strings in the REST API; Struct-serialized tasks may hold them as numbers. */
function int64Text(value: JsonValue, key: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  throw fail(key, 'a non-negative integer (number or string)');
}

function stringList(value: JsonValue, key: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw fail(key, 'a list of strings');
  }
  return value;
}

function stringMap(value: JsonValue, key: string): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((item) => typeof item === 'string')) {
    throw fail(key, 'an object of string values');
  }
  return value as Record<string, string>;
}

function objectValue(value: JsonValue, key: string): JsonObject {
  if (!isObject(value)) throw fail(key, 'an object');
  return value;
}

function arrayValue(value: JsonValue, key: string): JsonValue[] {
  if (!Array.isArray(value)) throw fail(key, 'a list');
  return value;
}

function tableReference(value: JsonValue, key: string, project: string): JsonObject {
  if (!isObject(value) || typeof value['datasetId'] !== 'string' || typeof value['tableId'] !== 'string') {
    throw fail(key, 'an object with datasetId and tableId (and optionally projectId)');
  }
  const projectId = value['projectId'] ?? project;
  if (typeof projectId !== 'string') throw fail(`${key}.projectId`, 'a string');
  return { projectId, datasetId: value['datasetId'], tableId: value['tableId'] };
}

function datasetReference(value: JsonValue, key: string, project: string): JsonObject {
  if (!isObject(value) || typeof value['datasetId'] !== 'string') {
    throw fail(key, 'an object with datasetId (and optionally projectId)');
  }
  const projectId = value['projectId'] ?? project;
  if (typeof projectId !== 'string') throw fail(`${key}.projectId`, 'a string');
  return { projectId, datasetId: value['datasetId'] };
}

function parameterMode(value: JsonValue): void {
  if (typeof value === 'string' && value.toUpperCase() === 'NAMED') return;
  throw new InvalidArgumentError(
    'custom.parameterMode: only NAMED parameters are supported (the SQL refers to task inputs as @name).',
  );
}

function parameterList(value: JsonValue): QueryParameter[] {
  if (!Array.isArray(value)) throw fail('queryParameters', 'a list of query parameters');
  const names = new Set<string>();
  return value.map((item, index) => {
    const where = `custom.queryParameters[${index}]`;
    if (!isObject(item)) throw new InvalidArgumentError(`${where}: expected a query parameter object.`);
    const name = item['name'];
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError(
        `${where}: positional (unnamed) parameters are not supported; give each parameter a name and refer to it as @name.`,
      );
    }
    if (names.has(name)) throw new InvalidArgumentError(`${where}: parameter '${name}' is declared twice.`);
    names.add(name);
    return {
      name,
      parameterType: parameterType(item['parameterType'], `${where}.parameterType`),
      parameterValue: parameterValue(item['parameterValue'], `${where}.parameterValue`),
    };
  });
}

function parameterType(value: JsonValue | undefined, where: string): QueryParameterType {
  if (!isObject(value) || typeof value['type'] !== 'string') {
    throw new InvalidArgumentError(`${where}: expected an object with a type name.`);
  }
  const type = value['type'].toUpperCase();
  if (type === 'ARRAY') {
    return { type, arrayType: parameterType(value['arrayType'], `${where}.arrayType`) };
  }
  if (type === 'STRUCT') {
    const fields = value['structTypes'];
    if (!Array.isArray(fields))
      throw new InvalidArgumentError(`${where}.structTypes: expected a list of fields.`);
    return {
      type,
      structTypes: fields.map((field, index) => {
        if (!isObject(field) || typeof field['name'] !== 'string') {
          throw new InvalidArgumentError(
            `${where}.structTypes[${index}]: expected a field with a name and a type.`,
          );
        }
        return {
          name: field['name'],
          type: parameterType(field['type'], `${where}.structTypes[${index}].type`),
        };
      }),
    };
  }
  return { type };
}

/** The value of a declared parameter, kept as written (BigQuery checks it); absent or null means NULL. */
function parameterValue(value: JsonValue | undefined, where: string): QueryParameterValue {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new InvalidArgumentError(`${where}: expected an object.`);
  return value;
}
