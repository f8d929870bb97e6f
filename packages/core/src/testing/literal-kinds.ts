import type { Literal } from '../gen/v2/flyteidl2/core/literals_pb.js';
import { SimpleType, type LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';

/**
 * Whether a literal has the shape its declared type calls for, judged at the top level (a collection for a
 * collection, a primitive integer for INTEGER...). Core converts outputs by the declared types, so a mismatch here
 * means a client would fail to read the output. Returns a description of the mismatch, or undefined.
 */
export function literalMismatch(literal: Literal, type: LiteralType): string | undefined {
  const expected = expectedKinds(type);
  if (expected === undefined) return undefined;
  const actual = literalKind(literal);
  return expected.includes(actual)
    ? undefined
    : `expected a literal of kind ${expected.join(' or ')}, got ${actual}`;
}

/** The literal kinds (as {@link literalKind} names them) a declared type accepts; undefined: not checked. */
function expectedKinds(type: LiteralType): readonly string[] | undefined {
  switch (type.type.case) {
    case 'simple':
      return simpleKinds(type.type.value);
    case 'schema':
      return ['scalar.schema'];
    case 'collectionType':
      return ['collection'];
    case 'mapValueType':
      return ['map'];
    case 'blob':
      return ['scalar.blob'];
    case 'enumType':
      return ['primitive.stringValue'];
    case 'structuredDatasetType':
      return ['scalar.structuredDataset'];
    case 'unionType':
      return ['scalar.union'];
    default:
      return undefined;
  }
}

function simpleKinds(simple: SimpleType): readonly string[] | undefined {
  switch (simple) {
    case SimpleType.NONE:
      return ['scalar.noneType'];
    case SimpleType.INTEGER:
      return ['primitive.integer'];
    case SimpleType.FLOAT:
      return ['primitive.floatValue'];
    case SimpleType.STRING:
      return ['primitive.stringValue'];
    case SimpleType.BOOLEAN:
      return ['primitive.boolean'];
    case SimpleType.DATETIME:
      return ['primitive.datetime'];
    case SimpleType.DURATION:
      return ['primitive.duration'];
    case SimpleType.BINARY:
      return ['scalar.binary'];
    case SimpleType.ERROR:
      return ['scalar.error'];
    case SimpleType.STRUCT:
      // A generic Struct, or msgpack Binary as Flyte 2 and recent flytekit write dataclasses.
      return ['scalar.generic', 'scalar.binary'];
    default:
      return undefined;
  }
}

/** A short name of a literal's shape, e.g. `primitive.integer`, `scalar.blob`, `collection`. */
export function literalKind(literal: Literal): string {
  const value = literal.value;
  if (value.case !== 'scalar') return value.case ?? 'empty';
  const scalar = value.value.value;
  if (scalar.case !== 'primitive') return `scalar.${scalar.case ?? 'empty'}`;
  return `primitive.${scalar.value.value.case ?? 'empty'}`;
}
