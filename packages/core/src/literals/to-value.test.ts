import { create } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { InternalError, InvalidArgumentError } from '../errors.js';
import {
  BinarySchema,
  BlobMetadataSchema,
  BlobSchema,
  LiteralOffloadedMetadataSchema,
  LiteralSchema,
  SchemaSchema,
  StructuredDatasetMetadataSchema,
  StructuredDatasetSchema,
  UnionSchema,
  type Literal,
} from '../gen/v2/flyteidl2/core/literals_pb.js';
import {
  BlobType_BlobDimensionality,
  BlobTypeSchema,
  ErrorSchema,
  LiteralTypeSchema,
  SchemaType_SchemaColumn_SchemaColumnType,
  SchemaTypeSchema,
  SimpleType,
  StructuredDatasetTypeSchema,
  TypeStructureSchema,
  type LiteralType,
} from '../gen/v2/flyteidl2/core/types_pb.js';
import { collectionLiteral, mapLiteral, noneLiteral, primitiveLiteral, scalarLiteral } from './build.js';
import { literalToValue } from './to-value.js';

const simple = (value: SimpleType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'simple', value } });
const listOf = (value: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'collectionType', value } });
const mapOf = (value: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'mapValueType', value } });
const unionOf = (...variants: LiteralType[]): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'unionType', value: { variants } } });
const enumOf = (...values: string[]): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'enumType', value: { values } } });
const INT = simple(SimpleType.INTEGER);
const STR = simple(SimpleType.STRING);
const NONE = simple(SimpleType.NONE);

const int = (value: bigint): Literal => primitiveLiteral({ case: 'integer', value });
const str = (value: string): Literal => primitiveLiteral({ case: 'stringValue', value });
const binary = (value: Uint8Array, tag: string): Literal =>
  scalarLiteral({ case: 'binary', value: create(BinarySchema, { value, tag }) });

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the conversion to throw');
}

describe('literalToValue: simple types', () => {
  it('converts integers to exact bigints, including the int64 extremes', () => {
    expect(literalToValue(int(42n), INT, 'n')).toBe(42n);
    expect(literalToValue(int(-(2n ** 63n)), INT, 'n')).toBe(-(2n ** 63n));
    expect(literalToValue(int(2n ** 63n - 1n), INT, 'n')).toBe(9223372036854775807n);
  });

  it('converts floats, keeping NaN and infinities', () => {
    const float = simple(SimpleType.FLOAT);
    expect(literalToValue(primitiveLiteral({ case: 'floatValue', value: 2.5 }), float, 'f')).toBe(2.5);
    expect(literalToValue(primitiveLiteral({ case: 'floatValue', value: NaN }), float, 'f')).toBeNaN();
    expect(literalToValue(primitiveLiteral({ case: 'floatValue', value: -Infinity }), float, 'f')).toBe(
      -Infinity,
    );
  });

  it('converts strings and booleans', () => {
    expect(literalToValue(str('héllo'), STR, 's')).toBe('héllo');
    const bool = simple(SimpleType.BOOLEAN);
    expect(literalToValue(primitiveLiteral({ case: 'boolean', value: false }), bool, 'b')).toBe(false);
  });

  it('converts datetimes to Dates, truncating below the millisecond', () => {
    const ts = create(TimestampSchema, { seconds: 1_700_000_000n, nanos: 123_999_999 });
    const value = literalToValue(
      primitiveLiteral({ case: 'datetime', value: ts }),
      simple(SimpleType.DATETIME),
      'd',
    );
    expect(value).toBeInstanceOf(Date);
    expect((value as Date).toISOString()).toBe('2023-11-14T22:13:20.123Z');
  });

  it('converts datetimes before 1970 correctly (nanos count forward from the second)', () => {
    const ts = create(TimestampSchema, { seconds: -1n, nanos: 500_000_000 });
    const value = literalToValue(
      primitiveLiteral({ case: 'datetime', value: ts }),
      simple(SimpleType.DATETIME),
      'd',
    );
    expect((value as Date).getTime()).toBe(-500);
  });

  it('rejects timestamps outside the valid range', () => {
    const ts = create(TimestampSchema, { seconds: 10n ** 15n, nanos: 0 });
    expect(() =>
      literalToValue(primitiveLiteral({ case: 'datetime', value: ts }), simple(SimpleType.DATETIME), 'when'),
    ).toThrow(/Input 'when': datetime literal is outside the valid Timestamp range/);
  });

  it('converts durations to milliseconds, keeping sub-millisecond fractions', () => {
    const duration = simple(SimpleType.DURATION);
    const d = (seconds: bigint, nanos: number) =>
      primitiveLiteral({ case: 'duration', value: create(DurationSchema, { seconds, nanos }) });
    expect(literalToValue(d(90n, 0), duration, 't')).toBe(90_000);
    expect(literalToValue(d(1n, 500_000), duration, 't')).toBe(1000.5);
    expect(literalToValue(d(-2n, -250_000_000), duration, 't')).toBe(-2250);
  });

  it('converts none to null', () => {
    expect(literalToValue(noneLiteral(), NONE, 'x')).toBeNull();
  });

  it('converts binary to its bytes', () => {
    const value = literalToValue(binary(new Uint8Array([0, 255, 7]), ''), simple(SimpleType.BINARY), 'b');
    expect(value).toEqual(new Uint8Array([0, 255, 7]));
  });

  it('converts a generic Struct to a JSON object', () => {
    const generic = scalarLiteral({ case: 'generic', value: { a: 1, b: ['x', null, true], c: { d: 2.5 } } });
    expect(literalToValue(generic, simple(SimpleType.STRUCT), 's')).toEqual({
      a: 1,
      b: ['x', null, true],
      c: { d: 2.5 },
    });
  });

  it('decodes a msgpack struct', () => {
    // {"a": 1} as Python's msgpack.packb writes it.
    const bytes = new Uint8Array([0x81, 0xa1, 0x61, 0x01]);
    expect(literalToValue(binary(bytes, 'msgpack'), simple(SimpleType.STRUCT), 's')).toEqual({ a: 1 });
  });

  it('refuses a struct sent as binary with another tag', () => {
    expect(() =>
      literalToValue(binary(new Uint8Array([1]), 'pickle'), simple(SimpleType.STRUCT), 'cfg'),
    ).toThrow("Input 'cfg': expected STRUCT, found a binary literal (tag 'pickle').");
  });
});

describe('literalToValue: containers', () => {
  it('converts collections and maps recursively', () => {
    const literal = collectionLiteral([mapLiteral({ a: int(1n), b: int(2n) }), mapLiteral({})]);
    expect(literalToValue(literal, listOf(mapOf(INT)), 'rows')).toEqual([{ a: 1n, b: 2n }, {}]);
  });

  it('keeps a `__proto__` map key as an own property instead of touching the prototype', () => {
    const value = literalToValue(mapLiteral({ ['__proto__']: str('x') }), mapOf(STR), 'm') as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('x');
  });

  it('names the path inside the variable when an element does not match', () => {
    const rows = collectionLiteral([
      mapLiteral({ name: str('a') }),
      mapLiteral({ name: str('b') }),
      mapLiteral({ name: str('c') }),
      mapLiteral({ name: int(3n) }),
    ]);
    const error = errorOf(() => literalToValue(rows, listOf(mapOf(STR)), 'rows'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe("Input 'rows[3].name': expected STRING, found an integer literal.");
  });

  it('quotes map keys that are not identifiers in paths', () => {
    const error = errorOf(() => literalToValue(mapLiteral({ 'my key': int(1n) }), mapOf(STR), 'm'));
    expect(error.message).toBe('Input \'m["my key"]\': expected STRING, found an integer literal.');
  });

  it('refuses a scalar where a collection is declared', () => {
    expect(() => literalToValue(int(1n), listOf(INT), 'xs')).toThrow(
      "Input 'xs': expected list of INTEGER, found an integer literal.",
    );
  });
});

describe('literalToValue: blobs, datasets, schemas', () => {
  const csvFile = create(LiteralTypeSchema, {
    type: { case: 'blob', value: { format: 'csv', dimensionality: BlobType_BlobDimensionality.SINGLE } },
  });

  it('converts a blob using its own metadata', () => {
    const blob = create(BlobSchema, {
      uri: 's3://bucket/dir',
      metadata: create(BlobMetadataSchema, {
        type: create(BlobTypeSchema, {
          format: 'parquet',
          dimensionality: BlobType_BlobDimensionality.MULTIPART,
        }),
      }),
    });
    expect(literalToValue(scalarLiteral({ case: 'blob', value: blob }), csvFile, 'f')).toEqual({
      uri: 's3://bucket/dir',
      format: 'parquet',
      dimensionality: 'MULTIPART',
    });
  });

  it('fills a blob without metadata from the declared type', () => {
    const blob = create(BlobSchema, { uri: 's3://bucket/a.csv' });
    expect(literalToValue(scalarLiteral({ case: 'blob', value: blob }), csvFile, 'f')).toEqual({
      uri: 's3://bucket/a.csv',
      format: 'csv',
      dimensionality: 'SINGLE',
    });
  });

  it('converts a structured dataset, taking format and columns from the declared type when missing', () => {
    const declared = create(LiteralTypeSchema, {
      type: {
        case: 'structuredDatasetType',
        value: create(StructuredDatasetTypeSchema, {
          format: 'parquet',
          columns: [{ name: 'id', literalType: INT }],
        }),
      },
    });
    const dataset = create(StructuredDatasetSchema, {
      uri: 'bq://project.dataset.table',
      metadata: create(StructuredDatasetMetadataSchema, {
        structuredDatasetType: create(StructuredDatasetTypeSchema, { format: '' }),
      }),
    });
    const value = literalToValue(
      scalarLiteral({ case: 'structuredDataset', value: dataset }),
      declared,
      'sd',
    );
    expect(value).toEqual({
      uri: 'bq://project.dataset.table',
      format: 'parquet',
      columns: [{ name: 'id', type: INT }],
    });
  });

  it('converts a legacy schema with its declared columns', () => {
    const declared = create(LiteralTypeSchema, {
      type: {
        case: 'schema',
        value: create(SchemaTypeSchema, {
          columns: [{ name: 'when', type: SchemaType_SchemaColumn_SchemaColumnType.DATETIME }],
        }),
      },
    });
    const schema = create(SchemaSchema, { uri: 's3://b/schema' });
    expect(literalToValue(scalarLiteral({ case: 'schema', value: schema }), declared, 's')).toEqual({
      uri: 's3://b/schema',
      columns: [{ name: 'when', type: 'DATETIME' }],
    });
  });

  it('refuses a string where a blob is declared', () => {
    expect(() => literalToValue(str('s3://x'), csvFile, 'f')).toThrow(
      "Input 'f': expected blob (file, format 'csv'), found a string literal.",
    );
  });
});

describe('literalToValue: enums', () => {
  const color = enumOf('RED', 'GREEN');

  it('accepts a declared value', () => {
    expect(literalToValue(str('GREEN'), color, 'c')).toBe('GREEN');
  });

  it('refuses an undeclared value, naming the enum', () => {
    expect(() => literalToValue(str('BLUE'), color, 'c')).toThrow(
      'Input \'c\': "BLUE" is not a value of enum ["RED", "GREEN"].',
    );
  });

  it('does not echo long values', () => {
    const error = errorOf(() => literalToValue(str('x'.repeat(10_000)), color, 'c'));
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('literalToValue: unions', () => {
  const tagged = (type: LiteralType, tag: string): LiteralType => {
    const copy = create(LiteralTypeSchema, type);
    copy.structure = create(TypeStructureSchema, { tag });
    return copy;
  };
  const union = (value: Literal, type: LiteralType): Literal =>
    scalarLiteral({ case: 'union', value: create(UnionSchema, { value, type }) });

  it('converts the inner value with the variant type the sender stored', () => {
    const declared = unionOf(INT, STR);
    expect(literalToValue(union(str('7'), STR), declared, 'u')).toBe('7');
    expect(literalToValue(union(int(7n), tagged(INT, 'int')), declared, 'u')).toBe(7n);
  });

  it('converts an Optional none to null', () => {
    expect(literalToValue(union(noneLiteral(), NONE), unionOf(INT, NONE), 'maybe')).toBeNull();
  });

  it('accepts a bare literal where a union is declared, via the first accepting variant', () => {
    expect(literalToValue(str('x'), unionOf(INT, STR), 'u')).toBe('x');
  });

  it('explains which variants were tried when none accepts', () => {
    const error = errorOf(() => literalToValue(noneLiteral(), unionOf(INT, STR), 'u'));
    expect(error.message).toBe(
      "Input 'u': no variant of union [INTEGER, STRING] accepts a none literal " +
        '(INTEGER: expected INTEGER, found a none literal; STRING: expected STRING, found a none literal).',
    );
  });

  it('reports a mismatch inside the stored variant with its path', () => {
    const literal = union(collectionLiteral([int(1n), str('x')]), listOf(INT));
    expect(() => literalToValue(literal, unionOf(listOf(INT), NONE), 'xs')).toThrow(
      "Input 'xs[1]': expected INTEGER, found a string literal.",
    );
  });
});

describe('literalToValue: literals that carry no value', () => {
  it('refuses an error literal, naming the variable', () => {
    const literal = scalarLiteral({
      case: 'error',
      value: create(ErrorSchema, { failedNodeId: 'n0', message: 'boom' }),
    });
    const error = errorOf(() => literalToValue(literal, INT, 'x'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe("Input 'x': received an error instead of a value (node 'n0': boom).");
  });

  it('refuses an offloaded literal, naming the variable', () => {
    const literal = create(LiteralSchema, {
      value: {
        case: 'offloadedMetadata',
        value: create(LiteralOffloadedMetadataSchema, { uri: 's3://big' }),
      },
    });
    expect(() => literalToValue(collectionLiteral([literal]), listOf(INT), 'big')).toThrow(
      "Input 'big[0]': offloaded literal not supported (core cannot read blob storage).",
    );
  });

  it('refuses an empty literal', () => {
    expect(() => literalToValue(create(LiteralSchema), undefined, 'x')).toThrow(
      "Input 'x': cannot convert an empty literal.",
    );
  });
});

describe('literalToValue: fallback by shape (no declared type)', () => {
  it('converts primitives, none, binary and generic structs by their own shape', () => {
    expect(literalToValue(int(5n), undefined, 'x')).toBe(5n);
    expect(literalToValue(primitiveLiteral({ case: 'floatValue', value: 0.5 }), undefined, 'x')).toBe(0.5);
    expect(literalToValue(str('s'), undefined, 'x')).toBe('s');
    expect(literalToValue(noneLiteral(), undefined, 'x')).toBeNull();
    expect(literalToValue(binary(new Uint8Array([9]), ''), undefined, 'x')).toEqual(new Uint8Array([9]));
    expect(literalToValue(binary(new Uint8Array([0x91, 0x2a]), 'msgpack'), undefined, 'x')).toEqual([42]);
    expect(literalToValue(scalarLiteral({ case: 'generic', value: { k: 'v' } }), undefined, 'x')).toEqual({
      k: 'v',
    });
    const ts = create(TimestampSchema, { seconds: 0n, nanos: 0 });
    expect(literalToValue(primitiveLiteral({ case: 'datetime', value: ts }), undefined, 'x')).toEqual(
      new Date(0),
    );
  });

  it('converts blobs, collections, maps and unions recursively', () => {
    const blob = scalarLiteral({ case: 'blob', value: create(BlobSchema, { uri: 's3://a' }) });
    const union = scalarLiteral({ case: 'union', value: create(UnionSchema, { value: int(1n), type: INT }) });
    expect(
      literalToValue(mapLiteral({ files: collectionLiteral([blob]), u: union }), undefined, 'x'),
    ).toEqual({
      files: [{ uri: 's3://a', format: '', dimensionality: 'SINGLE' }],
      u: 1n,
    });
  });
});

describe('literalToValue: nesting guard and roles', () => {
  const nested = (depth: number): [Literal, LiteralType] => {
    let literal = int(1n);
    let type = INT;
    for (let i = 0; i < depth; i++) {
      literal = collectionLiteral([literal]);
      type = listOf(type);
    }
    return [literal, type];
  };

  it('accepts 64 levels of nesting', () => {
    const [literal, type] = nested(64);
    let value = literalToValue(literal, type, 'deep');
    for (let i = 0; i < 64; i++) value = (value as unknown[])[0];
    expect(value).toBe(1n);
  });

  it('refuses deeper nesting with InvalidArgumentError, typed or not', () => {
    const [literal, type] = nested(65);
    const error = errorOf(() => literalToValue(literal, type, 'deep'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/^Input 'deep(\[0\]){64}': nested deeper than 64 levels\.$/);
    expect(() => literalToValue(literal, undefined, 'deep')).toThrow(/nested deeper than 64 levels/);
  });

  it('does not hide the nesting guard behind a union mismatch', () => {
    const [literal, type] = nested(70);
    expect(() => literalToValue(literal, unionOf(NONE, type), 'deep')).toThrow(
      /nested deeper than 64 levels/,
    );
  });

  it('attributes failures to the connector for role output', () => {
    const error = errorOf(() => literalToValue(str('x'), INT, 'result', { role: 'output' }));
    expect(error).toBeInstanceOf(InternalError);
    expect(error.message).toBe("Output 'result': expected INTEGER, found a string literal.");
  });
});
