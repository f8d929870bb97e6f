import { describe, expect, it } from 'vitest';
import type { LiteralType } from '@org/connector-core';
import { buildQueryParameters, encodeValue, inferParameterType, toJsonText } from './query-parameters.js';

// LiteralType messages as core passes them (only `type` is read).
const simple = (value: number) => ({ type: { case: 'simple', value } }) as unknown as LiteralType;
const list = (element: LiteralType) =>
  ({ type: { case: 'collectionType', value: element } }) as unknown as LiteralType;
const union = (...variants: LiteralType[]) =>
  ({ type: { case: 'unionType', value: { variants } } }) as unknown as LiteralType;
const INTEGER = simple(1);
const NONE = simple(0);

describe('inferParameterType', () => {
  it.each([
    [1, 'INT64'],
    [2, 'FLOAT64'],
    [3, 'STRING'],
    [4, 'BOOL'],
    [5, 'DATETIME'],
    [6, 'INTERVAL'],
    [7, 'BYTES'],
    [9, 'JSON'],
  ])('maps Flyte simple type %i to %s', (flyteType, bigQueryType) => {
    expect(inferParameterType(simple(flyteType), undefined, 'x')).toEqual({ type: bigQueryType });
  });

  it('maps lists to ARRAY of the element type and refuses nested lists', () => {
    expect(inferParameterType(list(INTEGER), [1n], 'x')).toEqual({
      type: 'ARRAY',
      arrayType: { type: 'INT64' },
    });
    expect(() => inferParameterType(list(list(INTEGER)), [[1n]], 'input x')).toThrow(/no arrays of arrays/);
  });

  it('types an Optional[T] as T, and a wider union by its value', () => {
    expect(inferParameterType(union(INTEGER, NONE), null, 'x')).toEqual({ type: 'INT64' });
    expect(inferParameterType(union(INTEGER, simple(3)), 'text', 'x')).toEqual({ type: 'STRING' });
  });

  it('judges undeclared inputs by their value', () => {
    expect(inferParameterType(undefined, 5n, 'x')).toEqual({ type: 'INT64' });
    expect(inferParameterType(undefined, new Date(0), 'x')).toEqual({ type: 'DATETIME' });
    expect(inferParameterType(undefined, { a: 1 }, 'x')).toEqual({ type: 'JSON' });
    expect(inferParameterType(undefined, { uri: 'bq://p:d.t', format: '' }, 'x')).toEqual({ type: 'STRING' });
  });
});

describe('encodeValue', () => {
  const at = new Date(Date.UTC(2024, 4, 1, 12, 34, 56, 789));

  it.each<[unknown, string, string]>([
    [42n, 'INT64', '42'],
    [-(2n ** 63n), 'INT64', '-9223372036854775808'],
    [1.5, 'FLOAT64', '1.5'],
    [Number.NaN, 'FLOAT64', 'NaN'],
    [Number.POSITIVE_INFINITY, 'FLOAT64', 'Infinity'],
    ['12345678901234567890.123456789', 'NUMERIC', '12345678901234567890.123456789'],
    [10n ** 40n, 'BIGNUMERIC', '10000000000000000000000000000000000000000'],
    [true, 'BOOL', 'true'],
    ['text', 'STRING', 'text'],
    [7n, 'STRING', '7'],
    [new Uint8Array([0, 1, 255]), 'BYTES', 'AAH/'],
    ['hé', 'BYTES', 'aMOp'],
    [at, 'DATE', '2024-05-01'],
    [at, 'DATETIME', '2024-05-01T12:34:56.789000'],
    [at, 'TIMESTAMP', '2024-05-01 12:34:56.789000+00:00'],
    [at, 'TIME', '12:34:56.789000'],
    ['2024-05-01', 'DATE', '2024-05-01'],
    [90_061_500, 'INTERVAL', '0-0 1 1:1:1.5'],
    [-1_000, 'INTERVAL', '0-0 0 -0:0:1'],
    [-86_400_000, 'INTERVAL', '0-0 -1 0:0:0'],
    ['POINT(1 2)', 'GEOGRAPHY', 'POINT(1 2)'],
  ])('encodes %s as %s', (value, type, text) => {
    expect(encodeValue(value, { type }, 'x')).toEqual({ value: text });
  });

  it('accepts legacy type names', () => {
    expect(encodeValue(3n, { type: 'INTEGER' }, 'x')).toEqual({ value: '3' });
    expect(encodeValue(false, { type: 'boolean' }, 'x')).toEqual({ value: 'false' });
  });

  it('encodes NULL as a value without value', () => {
    expect(encodeValue(null, { type: 'INT64' }, 'x')).toEqual({});
  });

  it('encodes arrays and refuses NULL elements', () => {
    const type = { type: 'ARRAY', arrayType: { type: 'INT64' } };
    expect(encodeValue([1n, 2n], type, 'x')).toEqual({ arrayValues: [{ value: '1' }, { value: '2' }] });
    expect(() => encodeValue([1n, null], type, 'input x')).toThrow(/cannot hold NULL/);
  });

  it('encodes structs by their declared fields and refuses unknown fields', () => {
    const type = {
      type: 'STRUCT',
      structTypes: [
        { name: 'id', type: { type: 'INT64' } },
        { name: 'tags', type: { type: 'ARRAY', arrayType: { type: 'STRING' } } },
        { name: 'missing', type: { type: 'STRING' } },
      ],
    };
    expect(encodeValue({ id: 7, tags: ['a'] }, type, 'x')).toEqual({
      structValues: { id: { value: '7' }, tags: { arrayValues: [{ value: 'a' }] }, missing: {} },
    });
    expect(() => encodeValue({ id: 7, other: 1 }, type, 'input x')).toThrow(
      /'other' are not in the declared STRUCT/,
    );
  });

  it('writes JSON exactly: big integers stay exact, bytes become base64, strings must be JSON documents', () => {
    expect(
      encodeValue({ big: 2n ** 60n, b: new Uint8Array([1]), d: at, skip: undefined }, { type: 'JSON' }, 'x'),
    ).toEqual({
      value: '{"big":1152921504606846976,"b":"AQ==","d":"2024-05-01T12:34:56.789Z"}',
    });
    expect(encodeValue('{"a":[1,2]}', { type: 'JSON' }, 'x')).toEqual({ value: '{"a":[1,2]}' });
    expect(() => encodeValue('not json', { type: 'JSON' }, 'input x')).toThrow(/does not parse/);
  });

  it.each<[unknown, string]>([
    ['abc', 'INT64'],
    [2n ** 64n, 'INT64'],
    [1.5, 'INT64'],
    [true, 'FLOAT64'],
    ['1,5', 'NUMERIC'],
    ['yes', 'BOOL'],
    [{ a: 1 }, 'STRING'],
    [5n, 'DATE'],
    [new Date(Date.UTC(10000, 0, 1)), 'DATE'],
    [[1], 'STRUCT'],
    [1n, 'RANGE'],
  ])('refuses %s as %s with INVALID_ARGUMENT', (value, type) => {
    expect(() => encodeValue(value, { type }, "input 'x'")).toThrow(
      expect.objectContaining({ kind: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('buildQueryParameters', () => {
  it('types inputs by their declaration, lets declared parameters override the type and keeps static ones', () => {
    const parameters = buildQueryParameters(
      { amount: '12.50', version: 3n, ids: [1n, 2n] },
      new Map([
        ['amount', simple(3)],
        ['version', INTEGER],
        ['ids', list(INTEGER)],
      ]),
      [
        { name: 'amount', parameterType: { type: 'NUMERIC' }, parameterValue: {} },
        { name: 'region', parameterType: { type: 'STRING' }, parameterValue: { value: 'eu' } },
      ],
    );
    expect(parameters).toEqual([
      { name: 'amount', parameterType: { type: 'NUMERIC' }, parameterValue: { value: '12.50' } },
      { name: 'region', parameterType: { type: 'STRING' }, parameterValue: { value: 'eu' } },
      { name: 'version', parameterType: { type: 'INT64' }, parameterValue: { value: '3' } },
      {
        name: 'ids',
        parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
        parameterValue: { arrayValues: [{ value: '1' }, { value: '2' }] },
      },
    ]);
  });
});

describe('toJsonText', () => {
  it('refuses values JSON cannot hold', () => {
    expect(() => toJsonText({ x: Number.NaN }, 'input y')).toThrow(/input y.x: JSON cannot hold NaN/);
  });
});
