import type { JsonObject } from '@bufbuild/protobuf';
import type { Literal, Scalar } from '../gen/v2/flyteidl2/core/literals_pb.js';
import { SimpleType, type LiteralType, type UnionType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { describeLiteral, describeType } from './describe.js';
import { blobToValue, datasetToValue, schemaToValue } from './files.js';
import { atIndex, atKey, attributed, deeper, fail, type Location, type Role } from './problem.js';
import { checkGenericDepth, decodeMsgpack, MSGPACK_TAG } from './struct.js';
import { durationToMs, timestampToDate } from './time.js';
import { firstAccepting } from './union.js';

export interface LiteralToValueOptions {
  /** Whose literal this is; decides the error class and wording. Default `'input'` (InvalidArgumentError). */
  readonly role?: Role;
}

/**
 * Converts one literal to its JS value as described by the declared type (see the value model in `values.ts`).
 * Without a declared type, the literal's own shape decides (a fallback for undeclared variables).
 *
 * @param path the variable name, used in error messages (e.g. `rows`; nested paths are built from it)
 * @throws InvalidArgumentError (or InternalError for role `'output'`) naming the path when the literal does not
 *   match the type, is an error or offloaded literal, or nests deeper than 64 levels
 */
export function literalToValue(
  literal: Literal,
  type: LiteralType | undefined,
  path: string,
  options: LiteralToValueOptions = {},
): unknown {
  return attributed(options.role ?? 'input', () => convert(literal, type, { path, depth: 0 }));
}

type ScalarValue = Scalar['value'];

function convert(literal: Literal, type: LiteralType | undefined, at: Location): unknown {
  const scalar = scalarOf(literal);
  if (literal.value.case === 'offloadedMetadata') {
    fail(at, 'offloaded literal not supported (core cannot read blob storage)');
  }
  if (scalar?.case === 'error') {
    const { failedNodeId, message } = scalar.value;
    fail(
      at,
      `received an error instead of a value (node '${failedNodeId.slice(0, 64)}': ${message.slice(0, 200)})`,
    );
  }
  const t = type?.type;
  if (type === undefined || t === undefined || t.case === undefined) return byShape(literal, at);
  const mismatch = (): never => fail(at, `expected ${describeType(type)}, found ${describeLiteral(literal)}`);
  switch (t.case) {
    case 'simple': {
      const value = simple(literal, scalar, t.value, at);
      return value === NO_MATCH ? mismatch() : value;
    }
    case 'collectionType': {
      if (literal.value.case !== 'collection') return mismatch();
      return literal.value.value.literals.map((item, i) => convert(item, t.value, atIndex(at, i)));
    }
    case 'mapValueType': {
      if (literal.value.case !== 'map') return mismatch();
      return mapValues(literal.value.value.literals, (item, key) => convert(item, t.value, atKey(at, key)));
    }
    case 'blob':
      return scalar?.case === 'blob' ? blobToValue(scalar.value, t.value) : mismatch();
    case 'structuredDatasetType':
      return scalar?.case === 'structuredDataset' ? datasetToValue(scalar.value, t.value) : mismatch();
    case 'schema':
      return scalar?.case === 'schema' ? schemaToValue(scalar.value, t.value) : mismatch();
    case 'enumType': {
      const primitive = scalar?.case === 'primitive' ? scalar.value.value : undefined;
      if (primitive?.case !== 'stringValue') return mismatch();
      if (!t.value.values.includes(primitive.value)) {
        fail(at, `${JSON.stringify(primitive.value.slice(0, 40))} is not a value of ${describeType(type)}`);
      }
      return primitive.value;
    }
    case 'unionType':
      return unionValue(literal, scalar, type, t.value, at);
  }
}

// Not `undefined`: null is a real value (NONE), and ?? would treat it as a mismatch.
const NO_MATCH = Symbol('no match');

/** The value of a literal of a simple type, or NO_MATCH when the literal does not have that type. */
function simple(literal: Literal, scalar: ScalarValue | undefined, type: SimpleType, at: Location): unknown {
  const primitive = scalar?.case === 'primitive' ? scalar.value.value : undefined;
  switch (type) {
    case SimpleType.NONE:
      return scalar?.case === 'noneType' ? null : NO_MATCH;
    case SimpleType.INTEGER:
      return primitive?.case === 'integer' ? primitive.value : NO_MATCH;
    case SimpleType.FLOAT:
      return primitive?.case === 'floatValue' ? primitive.value : NO_MATCH;
    case SimpleType.STRING:
      return primitive?.case === 'stringValue' ? primitive.value : NO_MATCH;
    case SimpleType.BOOLEAN:
      return primitive?.case === 'boolean' ? primitive.value : NO_MATCH;
    case SimpleType.DATETIME:
      return primitive?.case === 'datetime' ? timestampToDate(primitive.value, at) : NO_MATCH;
    case SimpleType.DURATION:
      return primitive?.case === 'duration' ? durationToMs(primitive.value) : NO_MATCH;
    case SimpleType.BINARY:
      return scalar?.case === 'binary' ? scalar.value.value : NO_MATCH;
    case SimpleType.STRUCT:
      if (scalar?.case === 'generic') return genericValue(scalar.value, at);
      if (scalar?.case === 'binary' && scalar.value.tag === MSGPACK_TAG)
        return decodeMsgpack(scalar.value.value, at);
      return NO_MATCH;
    default:
      // ERROR, or a simple type from a newer IDL: nothing sensible to hand to a connector.
      return fail(
        at,
        `declared type ${SimpleType[type] ?? type} is not supported (found ${describeLiteral(literal)})`,
      );
  }
}

function unionValue(
  literal: Literal,
  scalar: ScalarValue | undefined,
  type: LiteralType,
  union: UnionType,
  at: Location,
): unknown {
  const inner = deeper(at);
  if (scalar?.case === 'union') {
    const { value, type: variant } = scalar.value;
    if (value === undefined) return fail(at, 'union literal has no value');
    // The sender states which variant it used; that type, not the declaration order, decides the conversion.
    if (variant?.type.case !== undefined) return convert(value, variant, inner);
    return firstAccepting(type, union.variants, (v) => convert(value, v, inner), describeLiteral(value), at)
      .result;
  }
  // Some writers send the bare value where a union is declared; take the first variant that accepts it.
  return firstAccepting(type, union.variants, (v) => convert(literal, v, inner), describeLiteral(literal), at)
    .result;
}

/** Fallback for variables without a declared type: the literal's own shape decides. */
function byShape(literal: Literal, at: Location): unknown {
  const v = literal.value;
  if (v.case === 'collection')
    return v.value.literals.map((item, i) => convert(item, undefined, atIndex(at, i)));
  if (v.case === 'map')
    return mapValues(v.value.literals, (item, key) => convert(item, undefined, atKey(at, key)));
  const scalar = scalarOf(literal);
  switch (scalar?.case) {
    case 'primitive': {
      const p = scalar.value.value;
      if (p.case === 'datetime') return timestampToDate(p.value, at);
      if (p.case === 'duration') return durationToMs(p.value);
      if (p.case !== undefined) return p.value;
      break;
    }
    case 'noneType':
      return null;
    case 'binary':
      return scalar.value.tag === MSGPACK_TAG ? decodeMsgpack(scalar.value.value, at) : scalar.value.value;
    case 'generic':
      return genericValue(scalar.value, at);
    case 'blob':
      return blobToValue(scalar.value, undefined);
    case 'structuredDataset':
      return datasetToValue(scalar.value, undefined);
    case 'schema':
      return schemaToValue(scalar.value, undefined);
    case 'union': {
      const { value, type } = scalar.value;
      if (value === undefined) return fail(at, 'union literal has no value');
      return convert(value, type, deeper(at));
    }
    default:
      break;
  }
  return fail(at, `cannot convert ${describeLiteral(literal)}`);
}

function genericValue(value: JsonObject, at: Location): JsonObject {
  checkGenericDepth(value, at);
  return value;
}

function scalarOf(literal: Literal): ScalarValue | undefined {
  return literal.value.case === 'scalar' ? literal.value.value.value : undefined;
}

/** Builds a record with own data properties only, so a key like `__proto__` cannot reach the prototype. */
function mapValues<T>(entries: Readonly<Record<string, T>>, convertOne: (item: T, key: string) => unknown) {
  return Object.fromEntries(Object.entries(entries).map(([key, item]) => [key, convertOne(item, key)]));
}
