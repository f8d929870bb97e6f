import { type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { decode, encode } from '@msgpack/msgpack';
import { describeValue } from './describe.js';
import { INT64_MIN, narrowBigInt } from './int64.js';
import { atIndex, atKey, fail, type Location } from './problem.js';
import type { StructEncoding } from './values.js';

/** The Binary tag Flyte uses for msgpack-encoded structs (dataclasses, pydantic models, dicts). */
export const MSGPACK_TAG = 'msgpack';

const UINT64_MAX = 2n ** 64n - 1n;
const INT32_MIN = -(2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

/** Decodes a msgpack struct into plain JS values (see the value model for the number rules). */
export function decodeMsgpack(bytes: Uint8Array, at: Location): unknown {
  let decoded: unknown;
  try {
    // useBigInt64 keeps 64-bit integers exact; without it the decoder silently rounds them to doubles.
    decoded = decode(bytes, { useBigInt64: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 120) : 'undecodable';
    return fail(at, `invalid msgpack struct (${reason})`);
  }
  return narrowDecoded(decoded, at);
}

// Safe-range bigints become numbers: connector authors expect `count: 3`, not `count: 3n`.
function narrowDecoded(value: unknown, at: Location): unknown {
  if (typeof value === 'bigint') return narrowBigInt(value);
  if (Array.isArray(value)) return value.map((item: unknown, i) => narrowDecoded(item, atIndex(at, i)));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, narrowDecoded(v, atKey(at, k))]));
  }
  return value;
}

/** Walks a protobuf Struct only to apply the nesting guard; its values are already plain JSON. */
export function checkGenericDepth(value: JsonValue, at: Location): void {
  if (Array.isArray(value)) value.forEach((item, i) => checkGenericDepth(item, atIndex(at, i)));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkGenericDepth(v, atKey(at, k));
  }
}

/**
 * Prepares an output struct for the chosen encoding, refusing what it cannot carry. Returns the bytes for
 * msgpack or the JsonObject for a generic Struct.
 */
export function encodeStruct(
  value: unknown,
  encoding: StructEncoding,
  at: Location,
): Uint8Array | JsonObject {
  if (!isPlainObject(value))
    return fail(at, `expected STRUCT (a plain object), found ${describeValue(value)}`);
  const prepared = prepare(value, encoding, at) as JsonObject;
  if (encoding === 'generic') return prepared;
  try {
    return encode(prepared, { useBigInt64: true });
  } catch (error) {
    // prepare() already refuses everything encode() would; this is a last line of defence.
    const reason = error instanceof Error ? error.message.slice(0, 120) : 'unencodable';
    return fail(at, `cannot encode struct as msgpack (${reason})`);
  }
}

function prepare(value: unknown, encoding: StructEncoding, at: Location): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return prepareNumber(value, encoding, at);
    case 'bigint':
      return prepareBigInt(value, encoding, at);
    default:
      break;
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    // As in JSON, a hole or undefined element becomes null so positions are kept.
    return Array.from(value, (item: unknown, i) =>
      item === undefined ? null : prepare(item, encoding, atIndex(at, i)),
    );
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail(at, 'cannot encode an invalid Date in a struct');
    return value.toISOString();
  }
  if (value instanceof Uint8Array && encoding === 'msgpack') return value;
  if (isPlainObject(value)) {
    const entries: [string, unknown][] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) entries.push([k, prepare(v, encoding, atKey(at, k))]);
    }
    return Object.fromEntries(entries);
  }
  const where = encoding === 'generic' ? 'a generic Struct' : 'a msgpack struct';
  return fail(at, `cannot encode ${describeValue(value)} in ${where}`);
}

function prepareNumber(value: number, encoding: StructEncoding, at: Location): number | bigint {
  if (encoding === 'generic') {
    if (!Number.isFinite(value)) fail(at, 'cannot encode NaN or ±Infinity in a generic Struct');
    return value;
  }
  // With useBigInt64 the encoder writes integers beyond 32 bits as doubles; as bigints they stay int64 for Python.
  if (Number.isSafeInteger(value) && (value < INT32_MIN || value > UINT32_MAX)) return BigInt(value);
  return value;
}

function prepareBigInt(value: bigint, encoding: StructEncoding, at: Location): number | bigint {
  if (encoding === 'generic') {
    const narrowed = narrowBigInt(value);
    if (typeof narrowed === 'bigint')
      fail(at, 'cannot encode a bigint beyond ±2^53 exactly in a generic Struct');
    return narrowed;
  }
  if (value < INT64_MIN || value > UINT64_MAX) fail(at, 'integer out of the msgpack range (int64/uint64)');
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
