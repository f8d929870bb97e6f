import type { Literal } from '../gen/v2/flyteidl2/core/literals_pb.js';
import {
  BlobType_BlobDimensionality,
  SimpleType,
  type LiteralType,
} from '../gen/v2/flyteidl2/core/types_pb.js';

// Error messages name types and kinds of values, never the values themselves: inputs can be large or secret.

const MAX_TYPE_TEXT = 160;
const MAX_LISTED = 5;

/** A short human name for a declared type, e.g. `list of map of INTEGER`. */
export function describeType(type: LiteralType | undefined): string {
  const text = typeText(type, 0);
  return text.length <= MAX_TYPE_TEXT ? text : `${text.slice(0, MAX_TYPE_TEXT)}…`;
}

function typeText(type: LiteralType | undefined, depth: number): string {
  if (depth > 4) return '…';
  const t = type?.type;
  switch (t?.case) {
    case undefined:
      return 'an untyped value';
    case 'simple':
      return SimpleType[t.value] ?? `simple type ${t.value}`;
    case 'schema':
      return 'schema';
    case 'collectionType':
      return `list of ${typeText(t.value, depth + 1)}`;
    case 'mapValueType':
      return `map of ${typeText(t.value, depth + 1)}`;
    case 'blob': {
      const kind = t.value.dimensionality === BlobType_BlobDimensionality.MULTIPART ? 'directory' : 'file';
      return t.value.format === '' ? `blob (${kind})` : `blob (${kind}, format '${t.value.format}')`;
    }
    case 'enumType':
      return `enum ${listed(t.value.values.map((v) => JSON.stringify(v)))}`;
    case 'structuredDatasetType':
      return t.value.format === '' ? 'structured dataset' : `structured dataset (format '${t.value.format}')`;
    case 'unionType':
      return `union ${listed(t.value.variants.map((v) => typeText(v, depth + 1)))}`;
  }
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `[${shown}, … (${items.length} in all)]` : `[${shown}]`;
}

const PRIMITIVE_KINDS = {
  integer: 'an integer literal',
  floatValue: 'a float literal',
  stringValue: 'a string literal',
  boolean: 'a boolean literal',
  datetime: 'a datetime literal',
  duration: 'a duration literal',
} as const;

/** What kind of literal arrived, e.g. `a string literal`. */
export function describeLiteral(literal: Literal): string {
  const v = literal.value;
  switch (v.case) {
    case undefined:
      return 'an empty literal';
    case 'collection':
      return 'a collection literal';
    case 'map':
      return 'a map literal';
    case 'offloadedMetadata':
      return 'an offloaded literal';
    case 'scalar':
      break;
  }
  const s = v.value.value;
  switch (s.case) {
    case undefined:
      return 'an empty scalar literal';
    case 'primitive':
      return s.value.value.case === undefined
        ? 'an empty primitive literal'
        : PRIMITIVE_KINDS[s.value.value.case];
    case 'binary':
      return s.value.tag === '' ? 'a binary literal' : `a binary literal (tag '${s.value.tag.slice(0, 32)}')`;
    case 'noneType':
      return 'a none literal';
    case 'generic':
      return 'a generic struct literal';
    case 'structuredDataset':
      return 'a structured dataset literal';
    case 'blob':
      return 'a blob literal';
    case 'schema':
      return 'a schema literal';
    case 'union':
      return 'a union literal';
    case 'error':
      return 'an error literal';
  }
}

/** What kind of JS value a connector returned, e.g. `a number`, `an array (length 3)`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return Number.isInteger(value) ? 'an integer number' : 'a number';
    case 'bigint':
      return 'a bigint';
    case 'string':
      return `a string (length ${value.length})`;
    case 'boolean':
      return 'a boolean';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
      break;
  }
  if (Array.isArray(value)) return `an array (length ${value.length})`;
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) return 'an object';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `an instance of ${name.slice(0, 40)}` : 'an object';
}
