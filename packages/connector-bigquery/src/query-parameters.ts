import { InvalidArgumentError, type LiteralType } from '@org/connector-core';
import { formatDate, formatDatetime, formatInterval, formatTime, formatTimestamp } from './time-format.js';

/** BigQuery REST `QueryParameterType`. */
export interface QueryParameterType {
  readonly type: string;
  readonly arrayType?: QueryParameterType;
  readonly structTypes?: readonly QueryParameterStructField[];
}

export interface QueryParameterStructField {
  readonly name: string;
  readonly type: QueryParameterType;
  readonly description?: string;
}

/** BigQuery REST `QueryParameterValue`; a value without `value`/`arrayValues`/`structValues` is NULL. */
export interface QueryParameterValue {
  readonly value?: string | null;
  readonly arrayValues?: readonly QueryParameterValue[];
  readonly structValues?: Readonly<Record<string, QueryParameterValue>>;
}

/** BigQuery REST `QueryParameter` (named mode: the SQL refers to it as `@name`). */
export interface QueryParameter {
  readonly name: string;
  readonly parameterType: QueryParameterType;
  readonly parameterValue: QueryParameterValue;
}

/** `SimpleType` numbers of the Flyte IDL (flyteidl2.core.SimpleType). */
const SIMPLE = {
  NONE: 0,
  INTEGER: 1,
  FLOAT: 2,
  STRING: 3,
  BOOLEAN: 4,
  DATETIME: 5,
  DURATION: 6,
  BINARY: 7,
  ERROR: 8,
  STRUCT: 9,
} as const;

/** Legacy and alias type names, normalised to the GoogleSQL names BigQuery reports. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  DECIMAL: 'NUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT_SPECIALS = /^(NaN|[+-]?Infinity|[+-]?inf)$/i;

/**
 * Builds the query parameters of a job: one per task input, typed by the input's declared Flyte type, unless the
 * task declares the parameter itself in `custom.queryParameters` (what flytekit writes for
 * `QueryJobConfig(query_parameters=[...])`), whose BigQuery type then wins (NUMERIC, TIMESTAMP, STRUCT...).
 * Declared parameters without a matching input are sent with their own value.
 */
export function buildQueryParameters(
  inputs: Readonly<Record<string, unknown>>,
  inputTypes: ReadonlyMap<string, LiteralType>,
  declared: readonly QueryParameter[],
): QueryParameter[] {
  const parameters: QueryParameter[] = [];
  const declaredNames = new Set<string>();
  for (const parameter of declared) {
    declaredNames.add(parameter.name);
    parameters.push(
      Object.hasOwn(inputs, parameter.name)
        ? {
            name: parameter.name,
            parameterType: parameter.parameterType,
            parameterValue: encodeValue(
              inputs[parameter.name],
              parameter.parameterType,
              `input '${parameter.name}'`,
            ),
          }
        : parameter,
    );
  }
  for (const [name, value] of Object.entries(inputs)) {
    if (declaredNames.has(name)) continue;
    const parameterType = inferParameterType(inputTypes.get(name), value, `input '${name}'`);
    parameters.push({
      name,
      parameterType,
      parameterValue: encodeValue(value, parameterType, `input '${name}'`),
    });
  }
  return parameters;
}

/**
 * The BigQuery type of an input from its declared Flyte type: int → INT64, float → FLOAT64, str → STRING,
 * bool → BOOL, datetime → DATETIME (as the Python connectors send it), timedelta → INTERVAL, bytes → BYTES,
 * list → ARRAY, dataclass/dict/struct → JSON, file/dataset/enum → STRING.
 */
export function inferParameterType(
  declared: LiteralType | undefined,
  value: unknown,
  where: string,
): QueryParameterType {
  const type = declared?.type;
  switch (type?.case) {
    case 'simple':
      switch (type.value as number) {
        case SIMPLE.INTEGER:
          return { type: 'INT64' };
        case SIMPLE.FLOAT:
          return { type: 'FLOAT64' };
        case SIMPLE.STRING:
          return { type: 'STRING' };
        case SIMPLE.BOOLEAN:
          return { type: 'BOOL' };
        case SIMPLE.DATETIME:
          return { type: 'DATETIME' };
        case SIMPLE.DURATION:
          return { type: 'INTERVAL' };
        case SIMPLE.BINARY:
          return { type: 'BYTES' };
        case SIMPLE.STRUCT:
          return { type: 'JSON' };
        case SIMPLE.NONE:
          return { type: 'STRING' };
        default:
          throw new InvalidArgumentError(`${where}: this Flyte type cannot be a BigQuery query parameter.`);
      }
    case 'collectionType': {
      const element: unknown = Array.isArray(value)
        ? (value as unknown[]).find((item) => item !== null)
        : undefined;
      const elementType = inferParameterType(type.value, element, where);
      if (elementType.type === 'ARRAY') {
        throw new InvalidArgumentError(
          `${where}: BigQuery has no arrays of arrays; declare the parameter as JSON in custom.queryParameters to pass nested lists.`,
        );
      }
      return { type: 'ARRAY', arrayType: elementType };
    }
    case 'mapValueType':
      return { type: 'JSON' };
    case 'blob':
    case 'schema':
    case 'structuredDatasetType':
    case 'enumType':
      return { type: 'STRING' };
    case 'unionType': {
      const variants = type.value.variants.filter(
        (variant) => !(variant.type.case === 'simple' && (variant.type.value as number) === SIMPLE.NONE),
      );
      return variants.length === 1
        ? inferParameterType(variants[0], value, where)
        : inferFromValue(value, where);
    }
    case undefined:
      return inferFromValue(value, where);
  }
}

/** For inputs without a usable declared type (undeclared, or a union of several types): judge by the value. */
function inferFromValue(value: unknown, where: string): QueryParameterType {
  if (typeof value === 'bigint') return { type: 'INT64' };
  if (typeof value === 'number') return { type: 'FLOAT64' };
  if (typeof value === 'boolean') return { type: 'BOOL' };
  if (typeof value === 'string' || value === null || value === undefined) return { type: 'STRING' };
  if (value instanceof Date) return { type: 'DATETIME' };
  if (value instanceof Uint8Array) return { type: 'BYTES' };
  if (Array.isArray(value)) {
    const elementType = inferFromValue(
      value.find((item) => item !== null),
      where,
    );
    if (elementType.type === 'ARRAY') {
      throw new InvalidArgumentError(`${where}: BigQuery has no arrays of arrays.`);
    }
    return { type: 'ARRAY', arrayType: elementType };
  }
  if (isUriValue(value)) return { type: 'STRING' };
  return { type: 'JSON' };
}

/** Encodes a JS input value as a `QueryParameterValue` of the given BigQuery type. */
export function encodeValue(value: unknown, type: QueryParameterType, where: string): QueryParameterValue {
  if (value === null || value === undefined) return {};
  const name = canonicalTypeName(type.type);
  switch (name) {
    case 'ARRAY': {
      const elementType = type.arrayType;
      if (elementType === undefined)
        throw new InvalidArgumentError(`${where}: an ARRAY type needs arrayType.`);
      if (!Array.isArray(value)) throw mismatch(where, value, 'ARRAY');
      return {
        arrayValues: value.map((item: unknown, index) => {
          if (item === null || item === undefined) {
            throw new InvalidArgumentError(`${where}[${index}]: BigQuery arrays cannot hold NULL elements.`);
          }
          return encodeValue(item, elementType, `${where}[${index}]`);
        }),
      };
    }
    case 'STRUCT': {
      if (!isPlainObject(value)) throw mismatch(where, value, 'STRUCT');
      const fields = type.structTypes ?? [];
      const known = new Set(fields.map((field) => field.name));
      const extra = Object.keys(value).filter((key) => !known.has(key) && value[key] !== undefined);
      if (extra.length > 0) {
        throw new InvalidArgumentError(
          `${where}: field(s) ${extra.map((key) => `'${key}'`).join(', ')} are not in the declared STRUCT type.`,
        );
      }
      const structValues: Record<string, QueryParameterValue> = {};
      for (const field of fields) {
        structValues[field.name] = encodeValue(value[field.name], field.type, `${where}.${field.name}`);
      }
      return { structValues };
    }
    case 'JSON':
      return { value: typeof value === 'string' ? checkedJsonText(value, where) : toJsonText(value, where) };
    default:
      return { value: scalarText(value, name, where) };
  }
}

/** The canonical GoogleSQL name of a type (aliases such as INTEGER or BOOLEAN resolved). */
export function canonicalTypeName(type: string): string {
  const upper = type.toUpperCase();
  return TYPE_ALIASES[upper] ?? upper;
}

function scalarText(value: unknown, type: string, where: string): string {
  switch (type) {
    case 'INT64':
      if (typeof value === 'bigint') return int64Text(value, where);
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()))
        return int64Text(BigInt(value.trim()), where);
      throw mismatch(where, value, type);
    case 'FLOAT64':
      if (typeof value === 'number') return String(value);
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'string' && (DECIMAL_TEXT.test(value.trim()) || FLOAT_SPECIALS.test(value.trim())))
        return value.trim();
      throw mismatch(where, value, type);
    case 'NUMERIC':
    case 'BIGNUMERIC':
      // Exact decimals travel as text; a float input can only be as exact as the float itself.
      if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim())) return value.trim();
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw mismatch(where, value, type);
    case 'BOOL':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim()))
        return value.trim().toLowerCase();
      throw mismatch(where, value, type);
    case 'STRING':
      if (typeof value === 'string') return value;
      if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
        return String(value);
      if (value instanceof Date) return value.toISOString();
      if (isUriValue(value)) return value.uri;
      throw mismatch(where, value, type);
    case 'BYTES':
      if (value instanceof Uint8Array)
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      // A string declared as BYTES is sent as its UTF-8 bytes.
      if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
      throw mismatch(where, value, type);
    case 'DATE':
      return temporalText(value, where, type, formatDate);
    case 'DATETIME':
      return temporalText(value, where, type, formatDatetime);
    case 'TIMESTAMP':
      return temporalText(value, where, type, formatTimestamp);
    case 'TIME':
      return temporalText(value, where, type, formatTime);
    case 'INTERVAL':
      if (typeof value === 'number' && Number.isFinite(value)) return formatInterval(value);
      if (typeof value === 'string') return value;
      throw mismatch(where, value, type);
    case 'GEOGRAPHY':
      if (typeof value === 'string') return value;
      if (isPlainObject(value)) return toJsonText(value, where);
      throw mismatch(where, value, type);
    default:
      throw new InvalidArgumentError(
        `${where}: BigQuery parameter type ${type} is not supported by this connector (supported: INT64, FLOAT64, NUMERIC, BIGNUMERIC, BOOL, STRING, BYTES, DATE, DATETIME, TIMESTAMP, TIME, INTERVAL, GEOGRAPHY, JSON, ARRAY, STRUCT).`,
      );
  }
}

function temporalText(value: unknown, where: string, type: string, format: (date: Date) => string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidArgumentError(`${where}: invalid date.`);
    const year = value.getUTCFullYear();
    if (year < 1 || year > 9999) {
      throw new InvalidArgumentError(`${where}: year ${year} is outside BigQuery's range 0001-9999.`);
    }
    return format(value);
  }
  // Text is passed through for BigQuery to parse, so that any literal form it accepts can be used.
  if (typeof value === 'string') return value;
  throw mismatch(where, value, type);
}

function int64Text(value: bigint, where: string): string {
  if (value < INT64_MIN || value > INT64_MAX)
    throw new InvalidArgumentError(`${where}: ${value} does not fit INT64.`);
  return value.toString();
}

function checkedJsonText(text: string, where: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(
      `${where}: a string passed as JSON must be a JSON document, and this one does not parse.`,
    );
  }
  return text;
}

/** JSON text of a converted Flyte value: int64 beyond 2^53 stays exact, bytes become base64, dates ISO-8601. */
export function toJsonText(value: unknown, where: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`${where}: JSON cannot hold ${value}.`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value instanceof Uint8Array) {
    return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  }
  if (Array.isArray(value))
    return `[${value.map((item, i) => toJsonText(item, `${where}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .map(([key, member]) => `${JSON.stringify(key)}:${toJsonText(member, `${where}.${key}`)}`);
    return `{${members.join(',')}}`;
  }
  throw new InvalidArgumentError(`${where}: cannot be written as JSON.`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Files, directories and structured datasets arrive as objects with a `uri`; as parameters they are their URI. */
function isUriValue(value: unknown): value is { readonly uri: string } {
  return (
    isPlainObject(value) &&
    typeof value['uri'] === 'string' &&
    Object.keys(value).every((key) => URI_VALUE_KEYS.has(key))
  );
}

/** The fields of core's BlobValue, StructuredDatasetValue and SchemaValue. */
const URI_VALUE_KEYS = new Set(['uri', 'format', 'dimensionality', 'columns']);

function mismatch(where: string, value: unknown, type: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${where}: cannot pass ${describeKind(value)} as a BigQuery ${type} parameter.`,
  );
}

function describeKind(value: unknown): string {
  if (value instanceof Date) return 'a datetime';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'number') return 'a float';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
