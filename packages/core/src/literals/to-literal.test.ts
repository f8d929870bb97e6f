import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { InternalError, InvalidArgumentError } from '../errors.js';
import type { Literal } from '../gen/v2/flyteidl2/core/literals_pb.js';
import {
  BlobType_BlobDimensionality,
  LiteralTypeSchema,
  SchemaType_SchemaColumn_SchemaColumnType,
  SchemaTypeSchema,
  SimpleType,
  StructuredDatasetTypeSchema,
  TypeStructureSchema,
  type LiteralType,
} from '../gen/v2/flyteidl2/core/types_pb.js';
import { valueToLiteral } from './to-literal.js';

const simple = (value: SimpleType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'simple', value } });
const listOf = (value: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'collectionType', value } });
const mapOf = (value: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'mapValueType', value } });
const unionOf = (...variants: LiteralType[]): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'unionType', value: { variants } } });
const tagged = (type: LiteralType, tag: string): LiteralType =>
  create(LiteralTypeSchema, { type: type.type, structure: create(TypeStructureSchema, { tag }) });
const INT = simple(SimpleType.INTEGER);
const FLOAT = simple(SimpleType.FLOAT);
const STR = simple(SimpleType.STRING);
const NONE = simple(SimpleType.NONE);

/** The scalar oneof of a literal, failing the test when the literal is not a scalar. */
function scalarOf(literal: Literal) {
  if (literal.value.case !== 'scalar') throw new Error(`not a scalar: ${literal.value.case}`);
  return literal.value.value.value;
}

function primitiveOf(literal: Literal) {
  const scalar = scalarOf(literal);
  if (scalar.case !== 'primitive') throw new Error(`not a primitive: ${scalar.case}`);
  return scalar.value.value;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the conversion to throw');
}

describe('valueToLiteral: integers', () => {
  it('accepts bigints across the whole int64 range', () => {
    expect(primitiveOf(valueToLiteral(-(2n ** 63n), INT, 'n'))).toEqual({
      case: 'integer',
      value: -(2n ** 63n),
    });
    expect(primitiveOf(valueToLiteral(2n ** 63n - 1n, INT, 'n'))).toEqual({
      case: 'integer',
      value: 2n ** 63n - 1n,
    });
  });

  it('accepts safe integer numbers', () => {
    expect(primitiveOf(valueToLiteral(Number.MAX_SAFE_INTEGER, INT, 'n'))).toEqual({
      case: 'integer',
      value: 9007199254740991n,
    });
    expect(primitiveOf(valueToLiteral(-3, INT, 'n'))).toEqual({ case: 'integer', value: -3n });
  });

  it('refuses bigints outside int64', () => {
    const error = errorOf(() => valueToLiteral(2n ** 63n, INT, 'n'));
    expect(error).toBeInstanceOf(InternalError);
    expect(error.message).toBe("Output 'n': integer out of the int64 range.");
    expect(() => valueToLiteral(-(2n ** 63n) - 1n, INT, 'n')).toThrow(/int64 range/);
  });

  it('refuses numbers that are not exact integers', () => {
    expect(() => valueToLiteral(2 ** 53, INT, 'n')).toThrow(
      "Output 'n': expected an integer, found a number beyond ±2^53 (not exact; use a bigint).",
    );
    expect(() => valueToLiteral(1.5, INT, 'n')).toThrow(
      /expected an integer, found a number with a fraction/,
    );
    expect(() => valueToLiteral(NaN, INT, 'n')).toThrow(/expected an integer/);
    expect(() => valueToLiteral('1', INT, 'n')).toThrow(
      "Output 'n': expected INTEGER (a bigint or an integer number), found a string (length 1).",
    );
  });
});

describe('valueToLiteral: other simple types', () => {
  it('converts floats, including NaN and infinities', () => {
    expect(primitiveOf(valueToLiteral(0.25, FLOAT, 'f'))).toEqual({ case: 'floatValue', value: 0.25 });
    expect(primitiveOf(valueToLiteral(Infinity, FLOAT, 'f'))).toEqual({
      case: 'floatValue',
      value: Infinity,
    });
    expect(primitiveOf(valueToLiteral(NaN, FLOAT, 'f')).value).toBeNaN();
    expect(() => valueToLiteral(1n, FLOAT, 'f')).toThrow("Output 'f': expected FLOAT, found a bigint.");
  });

  it('converts strings and booleans strictly', () => {
    expect(primitiveOf(valueToLiteral('', STR, 's'))).toEqual({ case: 'stringValue', value: '' });
    expect(primitiveOf(valueToLiteral(true, simple(SimpleType.BOOLEAN), 'b'))).toEqual({
      case: 'boolean',
      value: true,
    });
    expect(() => valueToLiteral(1, simple(SimpleType.BOOLEAN), 'b')).toThrow(
      "Output 'b': expected BOOLEAN, found an integer number.",
    );
  });

  it('converts null and undefined to none, and refuses anything else for NONE', () => {
    expect(scalarOf(valueToLiteral(null, NONE, 'x')).case).toBe('noneType');
    expect(scalarOf(valueToLiteral(undefined, NONE, 'x')).case).toBe('noneType');
    expect(() => valueToLiteral(0, NONE, 'x')).toThrow("Output 'x': expected NONE, found an integer number.");
  });

  it('converts bytes (including Buffers) to binary with an empty tag', () => {
    const scalar = scalarOf(valueToLiteral(Buffer.from('hi'), simple(SimpleType.BINARY), 'b'));
    expect(scalar.case).toBe('binary');
    expect(scalar.case === 'binary' && scalar.value.tag).toBe('');
    expect(scalar.case === 'binary' && Array.from(scalar.value.value)).toEqual([104, 105]);
    expect(() => valueToLiteral('hi', simple(SimpleType.BINARY), 'b')).toThrow(
      /expected BINARY, found a string/,
    );
  });
});

describe('valueToLiteral: datetimes and durations', () => {
  const DATETIME = simple(SimpleType.DATETIME);
  const timestampOf = (literal: Literal) => {
    const p = primitiveOf(literal);
    if (p.case !== 'datetime') throw new Error('not a datetime');
    return { seconds: p.value.seconds, nanos: p.value.nanos };
  };

  it('converts Dates, including those before 1970', () => {
    expect(timestampOf(valueToLiteral(new Date('2024-02-29T12:00:00.250Z'), DATETIME, 'd'))).toEqual({
      seconds: 1_709_208_000n,
      nanos: 250_000_000,
    });
    expect(timestampOf(valueToLiteral(new Date(-1), DATETIME, 'd'))).toEqual({
      seconds: -1n,
      nanos: 999_000_000,
    });
  });

  it('parses ISO-8601 strings with full precision, offsets, and UTC when no offset is given', () => {
    expect(timestampOf(valueToLiteral('2024-01-01T00:00:00.123456789Z', DATETIME, 'd'))).toEqual({
      seconds: 1_704_067_200n,
      nanos: 123_456_789,
    });
    expect(timestampOf(valueToLiteral('2024-01-01T02:30:00+02:30', DATETIME, 'd'))).toEqual({
      seconds: 1_704_067_200n,
      nanos: 0,
    });
    expect(timestampOf(valueToLiteral('2023-12-31T19:00:00-0500', DATETIME, 'd')).seconds).toBe(
      1_704_067_200n,
    );
    expect(timestampOf(valueToLiteral('2024-01-01T00:00:00', DATETIME, 'd')).seconds).toBe(1_704_067_200n);
    expect(timestampOf(valueToLiteral('2024-01-01', DATETIME, 'd')).seconds).toBe(1_704_067_200n);
    expect(timestampOf(valueToLiteral('0001-01-01T00:00:00Z', DATETIME, 'd')).seconds).toBe(-62_135_596_800n);
  });

  it('refuses invalid Dates and strings that are not ISO-8601 date-times', () => {
    expect(() => valueToLiteral(new Date('nope'), DATETIME, 'd')).toThrow(
      "Output 'd': expected DATETIME, found an invalid Date.",
    );
    expect(() => valueToLiteral('March 7, 2024', DATETIME, 'd')).toThrow(/not an ISO-8601 date-time/);
    expect(() => valueToLiteral('2023-02-29T00:00:00Z', DATETIME, 'd')).toThrow(/out-of-range field/);
    expect(() => valueToLiteral('2024-01-01T24:00:00Z', DATETIME, 'd')).toThrow(/out-of-range field/);
    expect(() => valueToLiteral(1_700_000_000_000, DATETIME, 'd')).toThrow(/expected DATETIME/);
  });

  it('converts milliseconds to durations', () => {
    const DURATION = simple(SimpleType.DURATION);
    const durationOf = (ms: number) => {
      const p = primitiveOf(valueToLiteral(ms, DURATION, 't'));
      if (p.case !== 'duration') throw new Error('not a duration');
      return { seconds: p.value.seconds, nanos: p.value.nanos };
    };
    expect(durationOf(1500)).toEqual({ seconds: 1n, nanos: 500_000_000 });
    expect(durationOf(-1500)).toEqual({ seconds: -1n, nanos: -500_000_000 });
    expect(durationOf(0.001)).toEqual({ seconds: 0n, nanos: 1000 });
    expect(durationOf(0)).toEqual({ seconds: 0n, nanos: 0 });
    expect(() => valueToLiteral(Infinity, DURATION, 't')).toThrow(/non-finite/);
    expect(() => valueToLiteral(1e20, DURATION, 't')).toThrow(/outside the valid Duration range/);
    expect(() => valueToLiteral('5s', DURATION, 't')).toThrow(/expected DURATION \(milliseconds\)/);
  });
});

describe('valueToLiteral: collections and maps', () => {
  it('converts arrays and plain objects recursively', () => {
    const literal = valueToLiteral({ a: [1, 2n], b: [] }, mapOf(listOf(INT)), 'm');
    expect(literal.value.case).toBe('map');
    const map = literal.value.case === 'map' ? literal.value.value.literals : {};
    expect(Object.keys(map)).toEqual(['a', 'b']);
    const a = map.a!;
    expect(a.value.case === 'collection' && a.value.value.literals.map((l) => primitiveOf(l).value)).toEqual([
      1n,
      2n,
    ]);
  });

  it('leaves out undefined map entries', () => {
    const literal = valueToLiteral({ a: 'x', b: undefined }, mapOf(STR), 'm');
    expect(literal.value.case === 'map' && Object.keys(literal.value.value.literals)).toEqual(['a']);
  });

  it('names the failing element path', () => {
    const error = errorOf(() => valueToLiteral([{ name: 'a' }, { name: 3 }], listOf(mapOf(STR)), 'rows'));
    expect(error.message).toBe("Output 'rows[1].name': expected STRING, found an integer number.");
  });

  it('refuses non-arrays for collections and non-plain objects for maps', () => {
    expect(() => valueToLiteral(new Set([1]), listOf(INT), 'xs')).toThrow(
      "Output 'xs': expected list of INTEGER, found an instance of Set.",
    );
    expect(() => valueToLiteral(new Map(), mapOf(INT), 'm')).toThrow(
      "Output 'm': expected map of INTEGER, found an instance of Map.",
    );
    expect(() => valueToLiteral([1], mapOf(INT), 'm')).toThrow(/found an array \(length 1\)/);
  });
});

describe('valueToLiteral: blobs', () => {
  const csvFile = create(LiteralTypeSchema, {
    type: { case: 'blob', value: { format: 'csv', dimensionality: BlobType_BlobDimensionality.SINGLE } },
  });
  const directory = create(LiteralTypeSchema, {
    type: { case: 'blob', value: { format: '', dimensionality: BlobType_BlobDimensionality.MULTIPART } },
  });
  const blobOf = (literal: Literal) => {
    const scalar = scalarOf(literal);
    if (scalar.case !== 'blob') throw new Error('not a blob');
    return {
      uri: scalar.value.uri,
      format: scalar.value.metadata?.type?.format,
      dimensionality: scalar.value.metadata?.type?.dimensionality,
    };
  };

  it('accepts a plain URI, taking format and dimensionality from the declared type', () => {
    expect(blobOf(valueToLiteral('s3://b/a.csv', csvFile, 'f'))).toEqual({
      uri: 's3://b/a.csv',
      format: 'csv',
      dimensionality: BlobType_BlobDimensionality.SINGLE,
    });
    expect(blobOf(valueToLiteral('s3://b/dir/', directory, 'd')).dimensionality).toBe(
      BlobType_BlobDimensionality.MULTIPART,
    );
  });

  it('accepts a BlobValue, preferring its format', () => {
    expect(
      blobOf(valueToLiteral({ uri: 's3://b/a.tsv', format: 'tsv', dimensionality: 'SINGLE' }, csvFile, 'f')),
    ).toEqual({ uri: 's3://b/a.tsv', format: 'tsv', dimensionality: BlobType_BlobDimensionality.SINGLE });
    expect(blobOf(valueToLiteral({ uri: 's3://b/a' }, csvFile, 'f')).format).toBe('csv');
  });

  it('refuses a directory where a file is declared, empty URIs and other shapes', () => {
    expect(() => valueToLiteral({ uri: 's3://b/d', dimensionality: 'MULTIPART' }, csvFile, 'f')).toThrow(
      "Output 'f': expected a SINGLE blob, found MULTIPART.",
    );
    expect(() => valueToLiteral('', csvFile, 'f')).toThrow(
      "Output 'f': a blob needs a non-empty 'uri' string.",
    );
    expect(() => valueToLiteral(42, csvFile, 'f')).toThrow(
      "Output 'f': expected a blob (a URI string or { uri, ... }), found an integer number.",
    );
    expect(() => valueToLiteral({ uri: 's3://x', format: 3 }, csvFile, 'f')).toThrow(
      /'format' must be a string/,
    );
  });
});

describe('valueToLiteral: structured datasets and schemas', () => {
  const parquet = create(LiteralTypeSchema, {
    type: {
      case: 'structuredDatasetType',
      value: create(StructuredDatasetTypeSchema, {
        format: 'parquet',
        columns: [{ name: 'id', literalType: INT }],
        externalSchemaType: 'arrow',
      }),
    },
  });
  const datasetOf = (literal: Literal) => {
    const scalar = scalarOf(literal);
    if (scalar.case !== 'structuredDataset') throw new Error('not a structured dataset');
    return scalar.value;
  };

  it('accepts a plain URI and stores the declared dataset type', () => {
    const dataset = datasetOf(valueToLiteral('s3://b/table/', parquet, 'sd'));
    expect(dataset.uri).toBe('s3://b/table/');
    const type = dataset.metadata?.structuredDatasetType;
    expect(type?.format).toBe('parquet');
    expect(type?.externalSchemaType).toBe('arrow');
    expect(type?.columns.map((c) => c.name)).toEqual(['id']);
  });

  it('fills an unspecified declared format from the value, and takes given columns', () => {
    const generic = create(LiteralTypeSchema, {
      type: { case: 'structuredDatasetType', value: create(StructuredDatasetTypeSchema, { format: '' }) },
    });
    const dataset = datasetOf(
      valueToLiteral(
        { uri: 'bq://p.d.t', format: 'bigquery', columns: [{ name: 'x', type: STR }] },
        generic,
        'sd',
      ),
    );
    expect(dataset.metadata?.structuredDatasetType?.format).toBe('bigquery');
    expect(dataset.metadata?.structuredDatasetType?.columns[0]?.literalType).toEqual(STR);
    // The declared type itself is not modified.
    expect(generic.type.case === 'structuredDatasetType' && generic.type.value.format).toBe('');
  });

  it('refuses malformed columns', () => {
    expect(() =>
      valueToLiteral({ uri: 's3://x', columns: [{ name: 'x', type: 'INT' }] }, parquet, 'sd'),
    ).toThrow(/each structured dataset column must be/);
  });

  it('converts schemas from a URI or with columns', () => {
    const declared = create(LiteralTypeSchema, {
      type: {
        case: 'schema',
        value: create(SchemaTypeSchema, {
          columns: [{ name: 'a', type: SchemaType_SchemaColumn_SchemaColumnType.INTEGER }],
        }),
      },
    });
    const fromUri = scalarOf(valueToLiteral('s3://s', declared, 's'));
    expect(fromUri.case === 'schema' && fromUri.value.type?.columns.map((c) => c.name)).toEqual(['a']);
    const withColumns = scalarOf(
      valueToLiteral({ uri: 's3://s', columns: [{ name: 'b', type: 'FLOAT' }] }, declared, 's'),
    );
    expect(withColumns.case === 'schema' && withColumns.value.type?.columns[0]?.type).toBe(
      SchemaType_SchemaColumn_SchemaColumnType.FLOAT,
    );
    expect(() =>
      valueToLiteral({ uri: 's3://s', columns: [{ name: 'b', type: '0' }] }, declared, 's'),
    ).toThrow(/each schema column must be/);
  });
});

describe('valueToLiteral: enums', () => {
  const color = create(LiteralTypeSchema, {
    type: { case: 'enumType', value: { values: ['RED', 'GREEN'] } },
  });

  it('accepts declared values only', () => {
    expect(primitiveOf(valueToLiteral('RED', color, 'c'))).toEqual({ case: 'stringValue', value: 'RED' });
    expect(() => valueToLiteral('BLUE', color, 'c')).toThrow(
      'Output \'c\': "BLUE" is not a value of enum ["RED", "GREEN"].',
    );
    expect(() => valueToLiteral(0, color, 'c')).toThrow(
      /expected enum \["RED", "GREEN"\], found an integer number/,
    );
  });
});

describe('valueToLiteral: unions', () => {
  const unionOfLiteral = (literal: Literal) => {
    const scalar = scalarOf(literal);
    if (scalar.case !== 'union') throw new Error('not a union');
    return scalar.value;
  };

  it('picks the first declared variant that accepts the value', () => {
    const type = unionOf(INT, FLOAT, STR);
    const three = unionOfLiteral(valueToLiteral(3, type, 'u'));
    expect(three.type).toBe(type.type.case === 'unionType' ? type.type.value.variants[0] : undefined);
    expect(primitiveOf(three.value!)).toEqual({ case: 'integer', value: 3n });
    const half = unionOfLiteral(valueToLiteral(0.5, type, 'u'));
    expect(primitiveOf(half.value!)).toEqual({ case: 'floatValue', value: 0.5 });
    expect(unionOfLiteral(valueToLiteral('x', type, 'u')).type?.type).toEqual({
      case: 'simple',
      value: SimpleType.STRING,
    });
  });

  it('sends null as the NONE variant of an Optional', () => {
    const chosen = unionOfLiteral(valueToLiteral(null, unionOf(INT, NONE), 'maybe'));
    expect(chosen.type?.type).toEqual({ case: 'simple', value: SimpleType.NONE });
    expect(scalarOf(chosen.value!).case).toBe('noneType');
  });

  it('keeps the structure tag of the chosen variant', () => {
    const type = unionOf(tagged(INT, 'int'), tagged(listOf(STR), 'list[str]'));
    const chosen = unionOfLiteral(valueToLiteral(['a'], type, 'u'));
    expect(chosen.type?.structure?.tag).toBe('list[str]');
    expect(chosen.type?.type.case).toBe('collectionType');
  });

  it('explains the failure when no variant accepts the value', () => {
    const error = errorOf(() => valueToLiteral(true, unionOf(INT, STR), 'u'));
    expect(error).toBeInstanceOf(InternalError);
    expect(error.message).toBe(
      "Output 'u': no variant of union [INTEGER, STRING] accepts a boolean " +
        '(INTEGER: expected INTEGER (a bigint or an integer number), found a boolean; ' +
        'STRING: expected STRING, found a boolean).',
    );
  });

  it('mentions nested paths of variant failures', () => {
    expect(() => valueToLiteral([1, 'x'], unionOf(listOf(INT), NONE), 'u')).toThrow(
      "at 'u[1]' expected INTEGER (a bigint or an integer number), found a string (length 1)",
    );
  });
});

describe('valueToLiteral: roles and guards', () => {
  it('attributes failures to the caller for role input', () => {
    const error = errorOf(() => valueToLiteral('x', INT, 'n', { role: 'input' }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe(
      "Input 'n': expected INTEGER (a bigint or an integer number), found a string (length 1).",
    );
  });

  it('refuses a declared type that is empty', () => {
    expect(() => valueToLiteral(1, create(LiteralTypeSchema), 'n')).toThrow(
      "Output 'n': the declared type is empty, so the value cannot be converted.",
    );
  });

  it('refuses types it cannot produce values for', () => {
    expect(() => valueToLiteral('x', simple(SimpleType.ERROR), 'e')).toThrow(
      /declared type ERROR is not supported/,
    );
  });

  it('refuses nesting deeper than 64 levels', () => {
    let type = INT;
    let value: unknown = 1;
    for (let i = 0; i < 65; i++) {
      type = listOf(type);
      value = [value];
    }
    expect(() => valueToLiteral(value, type, 'deep')).toThrow(/nested deeper than 64 levels/);
  });
});
