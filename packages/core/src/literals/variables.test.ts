import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { InternalError, InvalidArgumentError } from '../errors.js';
import {
  VariableEntrySchema,
  VariableSchema,
  type VariableEntry,
} from '../gen/v2/flyteidl2/core/interface_pb.js';
import { LiteralSchema, type Literal } from '../gen/v2/flyteidl2/core/literals_pb.js';
import {
  BlobType_BlobDimensionality,
  LiteralTypeSchema,
  SchemaType_SchemaColumn_SchemaColumnType,
  SimpleType,
  TypeStructureSchema,
  type LiteralType,
} from '../gen/v2/flyteidl2/core/types_pb.js';
import { NamedLiteralSchema, type NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import { primitiveLiteral } from './build.js';
import {
  declaredOutputTypes,
  literalsToValues,
  literalToValue,
  valuesToLiterals,
  valueToLiteral,
  variableTypes,
} from './index.js';

const simple = (value: SimpleType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'simple', value } });
const listOf = (value: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'collectionType', value } });
const mapOf = (value: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'mapValueType', value } });
const unionOf = (...variants: LiteralType[]): LiteralType =>
  create(LiteralTypeSchema, { type: { case: 'unionType', value: { variants } } });
const INT = simple(SimpleType.INTEGER);
const STR = simple(SimpleType.STRING);
const NONE = simple(SimpleType.NONE);

const entry = (key: string, type?: LiteralType): VariableEntry =>
  create(VariableEntrySchema, { key, value: create(VariableSchema, { type }) });
const named = (name: string, value?: Literal): NamedLiteral => create(NamedLiteralSchema, { name, value });

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the conversion to throw');
}

describe('variableTypes', () => {
  it('maps declared variables to their types and skips untyped ones', () => {
    const types = variableTypes([entry('a', INT), entry('b'), entry('c', STR)]);
    expect([...types.keys()]).toEqual(['a', 'c']);
    expect(types.get('a')).toBe(INT);
    expect(variableTypes(undefined).size).toBe(0);
  });
});

describe('declaredOutputTypes', () => {
  it('accepts every type core can build, at any depth', () => {
    const types = declaredOutputTypes([entry('a', INT), entry('b', mapOf(listOf(unionOf(STR, NONE))))]);
    expect([...types.keys()]).toEqual(['a', 'b']);
  });

  it('refuses a simple type outside the enum, naming the output, however deep it sits', () => {
    const unknown = simple(-1 as SimpleType);
    for (const type of [unknown, listOf(unknown), mapOf(unionOf(STR, listOf(unknown)))]) {
      const error = errorOf(() => declaredOutputTypes([entry('ok', INT), entry('bad', type)]));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toContain("output 'bad' declares simple type -1");
    }
  });
});

describe('literalsToValues', () => {
  const variables = [entry('count', INT), entry('names', listOf(STR)), entry('optional', unionOf(STR, NONE))];

  it('converts declared inputs by type and leaves out declared inputs that were not sent', () => {
    const values = literalsToValues(
      [
        named('count', primitiveLiteral({ case: 'integer', value: 3n })),
        named('names', valueToLiteral(['a', 'b'], listOf(STR), 'names')),
      ],
      variables,
    );
    expect(values).toEqual({ count: 3n, names: ['a', 'b'] });
    expect(Object.hasOwn(values, 'optional')).toBe(false);
  });

  it('converts undeclared extras, and everything without an interface, by shape', () => {
    const literals = [named('extra', primitiveLiteral({ case: 'floatValue', value: 1.5 }))];
    expect(literalsToValues(literals, variables)).toEqual({ extra: 1.5 });
    expect(
      literalsToValues([named('count', primitiveLiteral({ case: 'integer', value: 1n }))], undefined),
    ).toEqual({
      count: 1n,
    });
  });

  it('names the variable when a literal does not match its declared type', () => {
    const error = errorOf(() =>
      literalsToValues([named('count', primitiveLiteral({ case: 'stringValue', value: 'x' }))], variables),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe("Input 'count': expected INTEGER, found a string literal.");
  });

  it('refuses duplicate names and named literals without a value', () => {
    const one = primitiveLiteral({ case: 'integer', value: 1n });
    expect(() => literalsToValues([named('count', one), named('count', one)], variables)).toThrow(
      "Input 'count': given more than once.",
    );
    expect(() => literalsToValues([named('count')], variables)).toThrow(
      "Input 'count': the named literal has no value.",
    );
  });
});

describe('valuesToLiterals', () => {
  const types = variableTypes([
    entry('rows', listOf(mapOf(STR))),
    entry('total', INT),
    entry('note', unionOf(STR, NONE)),
  ]);

  it('converts declared outputs in declaration order', () => {
    const literals = valuesToLiterals({ total: 2, rows: [{ a: 'x' }] }, types);
    expect(literals.map((l) => l.name)).toEqual(['rows', 'total']);
    expect(literalToValue(literals[1]!.value!, INT, 'total')).toBe(2n);
  });

  it('omits declared outputs that are missing or undefined, and emits null as None', () => {
    expect(valuesToLiterals({ total: undefined }, types)).toEqual([]);
    const [note] = valuesToLiterals({ note: null }, types);
    expect(note?.name).toBe('note');
    expect(literalToValue(note!.value!, types.get('note'), 'note')).toBeNull();
  });

  it('refuses undeclared outputs with InternalError naming them', () => {
    const error = errorOf(() => valuesToLiterals({ total: 1, surprise: 'x' }, types));
    expect(error).toBeInstanceOf(InternalError);
    expect(error.message).toBe(
      "Output 'surprise': not a declared output of the task (or declared without a type).",
    );
  });

  it('names the path inside an output that does not fit its type', () => {
    const error = errorOf(() =>
      valuesToLiterals({ rows: [{ a: 'x' }, { a: 'y' }, { a: 'z' }, { name: 5 }] }, types),
    );
    expect(error).toBeInstanceOf(InternalError);
    expect(error.message).toBe("Output 'rows[3].name': expected STRING, found an integer number.");
  });

  it('passes the struct encoding option on', () => {
    const structTypes = new Map([['cfg', simple(SimpleType.STRUCT)]]);
    const [generic] = valuesToLiterals({ cfg: { a: 1 } }, structTypes, { structEncoding: 'generic' });
    const [msgpack] = valuesToLiterals({ cfg: { a: 1 } }, structTypes);
    const caseOf = (l: NamedLiteral | undefined) =>
      l?.value?.value.case === 'scalar' ? l.value.value.value.value.case : undefined;
    expect(caseOf(generic)).toBe('generic');
    expect(caseOf(msgpack)).toBe('binary');
  });
});

describe('round trips through the wire format', () => {
  const csv = create(LiteralTypeSchema, {
    type: { case: 'blob', value: { format: 'csv', dimensionality: BlobType_BlobDimensionality.SINGLE } },
  });
  const dataset = create(LiteralTypeSchema, {
    type: {
      case: 'structuredDatasetType',
      value: { format: 'parquet', columns: [{ name: 'id', literalType: INT }] },
    },
  });
  const schema = create(LiteralTypeSchema, {
    type: {
      case: 'schema',
      value: { columns: [{ name: 'x', type: SchemaType_SchemaColumn_SchemaColumnType.BOOLEAN }] },
    },
  });
  const color = create(LiteralTypeSchema, {
    type: { case: 'enumType', value: { values: ['RED', 'GREEN'] } },
  });
  const taggedUnion = unionOf(
    create(LiteralTypeSchema, { type: INT.type, structure: create(TypeStructureSchema, { tag: 'int' }) }),
    create(LiteralTypeSchema, {
      type: listOf(STR).type,
      structure: create(TypeStructureSchema, { tag: 'list' }),
    }),
    NONE,
  );

  const cases: [string, LiteralType, unknown][] = [
    ['int64 min', INT, -(2n ** 63n)],
    ['int64 max', INT, 2n ** 63n - 1n],
    ['float', simple(SimpleType.FLOAT), -0.1],
    ['string', STR, 'naïve ✓'],
    ['boolean', simple(SimpleType.BOOLEAN), true],
    ['datetime', simple(SimpleType.DATETIME), new Date('1969-07-20T20:17:40.123Z')],
    ['duration', simple(SimpleType.DURATION), 86_400_000.25],
    ['none', NONE, null],
    ['binary', simple(SimpleType.BINARY), new Uint8Array([1, 2, 3])],
    ['struct', simple(SimpleType.STRUCT), { a: [1, 2.5, 'x', null], b: { c: true } }],
    ['list of maps', listOf(mapOf(INT)), [{ a: 1n }, {}]],
    ['blob', csv, { uri: 's3://b/f.csv', format: 'csv', dimensionality: 'SINGLE' }],
    [
      'structured dataset',
      dataset,
      { uri: 's3://b/t', format: 'parquet', columns: [{ name: 'id', type: INT }] },
    ],
    ['schema', schema, { uri: 's3://b/s', columns: [{ name: 'x', type: 'BOOLEAN' }] }],
    ['enum', color, 'GREEN'],
    ['union int', taggedUnion, 7n],
    ['union list', taggedUnion, ['a']],
    ['union none', taggedUnion, null],
  ];

  it.each(cases)('%s', (_name, type, value) => {
    const literal = valueToLiteral(value, type, 'v');
    const wire = fromBinary(LiteralSchema, toBinary(LiteralSchema, literal));
    expect(wire).toEqual(literal);
    expect(literalToValue(wire, type, 'v')).toEqual(value);
  });

  it('keeps the union tag across the wire', () => {
    const literal = fromBinary(
      LiteralSchema,
      toBinary(LiteralSchema, valueToLiteral(['a'], taggedUnion, 'v')),
    );
    const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
    expect(scalar?.case === 'union' && scalar.value.type?.structure?.tag).toBe('list');
  });

  it('converts a literal to a value and back to the same literal', () => {
    const values = { n: 5n, names: ['a'], when: new Date(0), cfg: { k: 1 } };
    const types = new Map<string, LiteralType>([
      ['n', INT],
      ['names', listOf(STR)],
      ['when', simple(SimpleType.DATETIME)],
      ['cfg', simple(SimpleType.STRUCT)],
    ]);
    const literals = valuesToLiterals(values, types);
    const back = literalsToValues(
      literals,
      [...types].map(([key, type]) => entry(key, type)),
    );
    expect(back).toEqual(values);
    expect(valuesToLiterals(back, types)).toEqual(literals);
  });
});
