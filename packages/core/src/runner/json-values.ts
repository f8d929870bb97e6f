import type { JsonValue } from '@bufbuild/protobuf';

/**
 * Turns the JS values of converted outputs into JSON: a `bigint` becomes a number when it is a safe integer and a
 * string of digits otherwise (so no digit is ever lost), a `Date` its ISO-8601 string, bytes a base64 string, and
 * NaN / ±Infinity the strings "NaN", "Infinity", "-Infinity". Plain objects and arrays are converted recursively.
 */
export function toJsonValue(value: unknown): JsonValue {
  switch (typeof value) {
    case 'bigint':
      return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER
        ? Number(value)
        : value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object':
      if (value === null) return null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (Array.isArray(value)) return value.map(toJsonValue);
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJsonValue(item)]));
    default:
      return String(value);
  }
}
