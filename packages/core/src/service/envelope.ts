import { create, fromBinary, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { base64Decode, base64Encode } from '@bufbuild/protobuf/wire';
import {
  ResourceSchema,
  type Resource as ResourceMessage,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { VariableMapSchema, type VariableEntry } from '../gen/v2/flyteidl2/core/interface_pb.js';
import { TypeStructureSchema, type LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { InvalidResourceMetaError } from '../errors.js';
import { declaredOutputTypes } from '../literals/index.js';

/**
 * The bytes core hands out as resource_meta: UTF-8 JSON `{"v":1,"meta":<connector meta>,"outputs":"<b64>"}`.
 * GetTask carries no template, yet outputs must be converted by the task's declared types, so the (trimmed)
 * output types travel here. A sync connector served over the async protocol puts its finished resource in `sync`
 * instead, so that any replica can answer the Get. Nothing secret is ever stored.
 */
export interface Envelope {
  readonly meta: JsonValue;
  readonly outputTypes: ReadonlyMap<string, LiteralType>;
  readonly syncResource?: ResourceMessage;
}

const ENVELOPE_VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeEnvelope(
  meta: JsonValue,
  outputVariables: readonly VariableEntry[],
  syncResource?: ResourceMessage,
): Uint8Array {
  const body: Record<string, JsonValue> = { v: ENVELOPE_VERSION, meta };
  if (outputVariables.length > 0)
    body['outputs'] = base64Encode(toBinary(VariableMapSchema, trimVariables(outputVariables)));
  if (syncResource !== undefined) body['sync'] = base64Encode(toBinary(ResourceSchema, syncResource));
  return encoder.encode(JSON.stringify(body));
}

/** Shared by every task without declared outputs (like the cached maps below, read-only by contract). */
const NO_OUTPUTS: ReadonlyMap<string, LiteralType> = new Map();

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length === 0) throw new InvalidResourceMetaError('it is empty');
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new InvalidResourceMetaError('it is not UTF-8 JSON written by this service', { cause: error });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('meta' in body)) {
    throw new InvalidResourceMetaError('it is not an object with a "meta" field');
  }
  const { v, meta, outputs, sync } = body as Record<string, unknown>;
  if (v !== ENVELOPE_VERSION)
    throw new InvalidResourceMetaError(`unsupported envelope version ${JSON.stringify(v)}`);
  const outputTypes = outputs === undefined ? NO_OUTPUTS : decodeOutputTypes(outputs);
  return sync === undefined
    ? { meta: meta as JsonValue, outputTypes }
    : { meta: meta as JsonValue, outputTypes, syncResource: decodeSyncResource(sync) };
}

/**
 * Tasks of one workflow share their output types, and GetTask repeats every resync interval, so decoded types are
 * cached by their encoded form. Bounded: cleared when full (entries are small and cheap to rebuild).
 */
const outputTypesCache = new Map<string, ReadonlyMap<string, LiteralType>>();
const OUTPUT_TYPES_CACHE_SIZE = 1024;

function decodeOutputTypes(value: unknown): ReadonlyMap<string, LiteralType> {
  if (typeof value === 'string') {
    const cached = outputTypesCache.get(value);
    if (cached !== undefined) return cached;
  }
  const types = parseOutputTypes(value);
  if (outputTypesCache.size >= OUTPUT_TYPES_CACHE_SIZE) outputTypesCache.clear();
  outputTypesCache.set(value as string, types);
  return types;
}

function parseOutputTypes(value: unknown): ReadonlyMap<string, LiteralType> {
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    // The same check as at create: resource_meta comes back from the caller and may have been altered.
    return declaredOutputTypes(fromBinary(VariableMapSchema, base64Decode(value)).variables);
  } catch (error) {
    throw new InvalidResourceMetaError('the "outputs" field is malformed', { cause: error });
  }
}

function decodeSyncResource(value: unknown): ResourceMessage {
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    return fromBinary(ResourceSchema, base64Decode(value));
  } catch (error) {
    throw new InvalidResourceMetaError('the "sync" field is malformed', { cause: error });
  }
}

/**
 * Keeps what conversion needs and drops what only documents the type: SDKs put whole JSON schemas of dataclasses
 * into `metadata`, which would bloat a value Flyte persists for every task.
 */
function trimVariables(variables: readonly VariableEntry[]) {
  return create(VariableMapSchema, {
    variables: variables.map((entry) => ({
      key: entry.key,
      value: { type: entry.value?.type === undefined ? undefined : trimType(entry.value.type) },
    })),
  });
}

function trimType(type: LiteralType): LiteralType {
  // Conversion reads only the structure's tag (union variants); dataclass field types repeat nested schemas.
  const trimmed: LiteralType = {
    ...type,
    metadata: undefined,
    annotation: undefined,
    structure:
      type.structure === undefined ? undefined : create(TypeStructureSchema, { tag: type.structure.tag }),
  };
  switch (type.type.case) {
    case 'collectionType':
    case 'mapValueType':
      trimmed.type = { case: type.type.case, value: trimType(type.type.value) };
      break;
    case 'unionType':
      trimmed.type = {
        case: 'unionType',
        value: { ...type.type.value, variants: type.type.value.variants.map(trimType) },
      };
      break;
    case 'structuredDatasetType':
      trimmed.type = {
        case: 'structuredDatasetType',
        value: {
          ...type.type.value,
          columns: type.type.value.columns.map((column) => ({
            ...column,
            literalType: column.literalType === undefined ? undefined : trimType(column.literalType),
          })),
        },
      };
      break;
    default:
      break;
  }
  return trimmed;
}
