import { create } from '@bufbuild/protobuf';
import { BinarySchema, UnionSchema, type Literal } from '../gen/v2/flyteidl2/core/literals_pb.js';
import { SimpleType, type LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { collectionLiteral, mapLiteral, noneLiteral, primitiveLiteral, scalarLiteral } from './build.js';
import { describeType, describeValue } from './describe.js';
import { valueToBlob, valueToDataset, valueToSchema } from './files.js';
import { toInt64 } from './int64.js';
import { atIndex, atKey, attributed, deeper, fail, type Location, type Role } from './problem.js';
import { encodeStruct, isPlainObject, MSGPACK_TAG } from './struct.js';
import { msToDuration, toTimestamp } from './time.js';
import { firstAccepting } from './union.js';
import type { StructEncoding } from './values.js';

export interface ValueToLiteralOptions {
  /** How STRUCT values are sent: msgpack bytes (default, what Flyte SDKs write) or a protobuf `Struct`. */
  readonly structEncoding?: StructEncoding;
  /** Whose value this is; decides the error class and wording. Default `'output'` (InternalError). */
  readonly role?: Role;
}

/**
 * Converts one JS value to a literal of the declared type (see the value model in `values.ts`).
 *
 * @param path the variable name, used in error messages (e.g. `rows`; nested paths are built from it)
 * @throws InternalError (or InvalidArgumentError for role `'input'`) naming the path when the value does not fit
 *   the type or nests deeper than 64 levels
 */
export function valueToLiteral(
  value: unknown,
  type: LiteralType,
  path: string,
  options: ValueToLiteralOptions = {},
): Literal {
  const encoding = options.structEncoding ?? 'msgpack';
  return attributed(options.role ?? 'output', () => convert(value, type, { path, depth: 0 }, encoding));
}

function convert(value: unknown, type: LiteralType, at: Location, encoding: StructEncoding): Literal {
  const t = type.type;
  switch (t.case) {
    case undefined:
      return fail(at, 'the declared type is empty, so the value cannot be converted');
    case 'simple':
      return simple(value, t.value, at, encoding) ?? mismatch(at, type, value);
    case 'collectionType': {
      if (!Array.isArray(value)) return mismatch(at, type, value);
      const items = Array.from(value, (item: unknown, i) => convert(item, t.value, atIndex(at, i), encoding));
      return collectionLiteral(items);
    }
    case 'mapValueType': {
      if (!isPlainObject(value)) return mismatch(at, type, value);
      const entries: [string, Literal][] = [];
      for (const [key, item] of Object.entries(value)) {
        // As at the top level, an undefined entry is an absent entry.
        if (item !== undefined) entries.push([key, convert(item, t.value, atKey(at, key), encoding)]);
      }
      return mapLiteral(Object.fromEntries(entries));
    }
    case 'blob':
      return scalarLiteral({ case: 'blob', value: valueToBlob(value, t.value, at) });
    case 'structuredDatasetType':
      return scalarLiteral({ case: 'structuredDataset', value: valueToDataset(value, t.value, at) });
    case 'schema':
      return scalarLiteral({ case: 'schema', value: valueToSchema(value, t.value, at) });
    case 'enumType':
      if (typeof value !== 'string') return mismatch(at, type, value);
      if (!t.value.values.includes(value)) {
        fail(at, `${JSON.stringify(value.slice(0, 40))} is not a value of ${describeType(type)}`);
      }
      return primitiveLiteral({ case: 'stringValue', value });
    case 'unionType': {
      const inner = deeper(at);
      const chosen = firstAccepting(
        type,
        t.value.variants,
        (variant) => convert(value, variant, inner, encoding),
        describeValue(value),
        at,
      );
      // The variant goes on the wire as declared, structure.tag included: Flyte matches variants by that tag.
      return scalarLiteral({
        case: 'union',
        value: create(UnionSchema, { value: chosen.result, type: chosen.variant }),
      });
    }
  }
}

/** A function, not a closure in `convert`: that would be allocated for every value converted. */
function mismatch(at: Location, type: LiteralType, value: unknown): never {
  return fail(at, `expected ${describeType(type)}, found ${describeValue(value)}`);
}

/** A literal of a simple type, or undefined when the value is not of that type. */
function simple(
  value: unknown,
  type: SimpleType,
  at: Location,
  encoding: StructEncoding,
): Literal | undefined {
  switch (type) {
    case SimpleType.NONE:
      return value === null || value === undefined ? noneLiteral() : undefined;
    case SimpleType.INTEGER:
      return primitiveLiteral({ case: 'integer', value: toInt64(value, at) });
    case SimpleType.FLOAT:
      return typeof value === 'number' ? primitiveLiteral({ case: 'floatValue', value }) : undefined;
    case SimpleType.STRING:
      return typeof value === 'string' ? primitiveLiteral({ case: 'stringValue', value }) : undefined;
    case SimpleType.BOOLEAN:
      return typeof value === 'boolean' ? primitiveLiteral({ case: 'boolean', value }) : undefined;
    case SimpleType.DATETIME:
      return primitiveLiteral({ case: 'datetime', value: toTimestamp(value, at) });
    case SimpleType.DURATION:
      return primitiveLiteral({ case: 'duration', value: msToDuration(value, at) });
    case SimpleType.BINARY:
      if (!(value instanceof Uint8Array)) return undefined;
      return scalarLiteral({ case: 'binary', value: create(BinarySchema, { value, tag: '' }) });
    case SimpleType.STRUCT: {
      const encoded = encodeStruct(value, encoding, at);
      if (encoded instanceof Uint8Array) {
        return scalarLiteral({
          case: 'binary',
          value: create(BinarySchema, { value: encoded, tag: MSGPACK_TAG }),
        });
      }
      return scalarLiteral({ case: 'generic', value: encoded });
    }
    default:
      // ERROR, or a simple type from a newer IDL: there is no value a connector could mean by it.
      return fail(
        at,
        `declared type ${SimpleType[type] ?? type} is not supported for ${describeValue(value)}`,
      );
  }
}
