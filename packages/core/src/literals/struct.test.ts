import { create, type JsonObject } from '@bufbuild/protobuf';
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { InternalError, InvalidArgumentError } from '../errors.js';
import { BinarySchema, type Literal } from '../gen/v2/flyteidl2/core/literals_pb.js';
import { LiteralTypeSchema, SimpleType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { scalarLiteral } from './build.js';
import { valueToLiteral } from './to-literal.js';
import { literalToValue } from './to-value.js';

const STRUCT = create(LiteralTypeSchema, { type: { case: 'simple', value: SimpleType.STRUCT } });

const msgpackLiteral = (bytes: number[] | Uint8Array): Literal =>
  scalarLiteral({
    case: 'binary',
    value: create(BinarySchema, { value: Uint8Array.from(bytes), tag: 'msgpack' }),
  });

/** The msgpack bytes of an output struct literal. */
function bytesOf(literal: Literal): number[] {
  const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
  if (scalar?.case !== 'binary') throw new Error('not a binary literal');
  expect(scalar.value.tag).toBe('msgpack');
  return Array.from(scalar.value.value);
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the conversion to throw');
}

function genericOf(literal: Literal): unknown {
  const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
  if (scalar?.case !== 'generic') throw new Error('not a generic literal');
  return scalar.value;
}

// {"a": 1, "b": [1.5, "x"], "c": None}, byte for byte as Python's msgpack.packb writes it.
const PYTHON_ABC = [
  0x83, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x92, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xa1, 0x78, 0xa1, 0x63, 0xc0,
];

describe('msgpack structs from Python', () => {
  it('decodes the bytes Python writes for a small dict', () => {
    expect(literalToValue(msgpackLiteral(PYTHON_ABC), STRUCT, 'cfg')).toEqual({
      a: 1,
      b: [1.5, 'x'],
      c: null,
    });
  });

  it('keeps integers as numbers when safe and as bigints only beyond 2^53', () => {
    // {"n": 5_000_000_000, "max": 2**63 - 1, "min": -2**63, "f": 2.0, "raw": b"\x00\x01"}
    const bytes = [
      0x85,
      ...[0xa1, 0x6e, 0xcf, 0, 0, 0, 0x01, 0x2a, 0x05, 0xf2, 0x00],
      ...[0xa3, 0x6d, 0x61, 0x78, 0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      ...[0xa3, 0x6d, 0x69, 0x6e, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
      ...[0xa1, 0x66, 0xcb, 0x40, 0, 0, 0, 0, 0, 0, 0],
      ...[0xa3, 0x72, 0x61, 0x77, 0xc4, 0x02, 0x00, 0x01],
    ];
    const value = literalToValue(msgpackLiteral(bytes), STRUCT, 'cfg') as Record<string, unknown>;
    expect(value.n).toBe(5_000_000_000);
    expect(value.max).toBe(2n ** 63n - 1n);
    expect(value.min).toBe(-(2n ** 63n));
    expect(value.f).toBe(2);
    expect(value.raw).toEqual(new Uint8Array([0, 1]));
  });

  it('refuses bytes that are not msgpack, naming the variable', () => {
    const error = errorOf(() => literalToValue(msgpackLiteral([0x83, 0xa1]), STRUCT, 'cfg'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/^Input 'cfg': invalid msgpack struct \(/);
  });

  it('refuses a __proto__ key rather than polluting the prototype', () => {
    // {"__proto__": 1}
    const bytes = [0x81, 0xa9, ...Buffer.from('__proto__'), 0x01];
    expect(() => literalToValue(msgpackLiteral(bytes), STRUCT, 'cfg')).toThrow(
      /^Input 'cfg': invalid msgpack struct/,
    );
  });

  it('applies the nesting guard inside msgpack data', () => {
    const bytes = [...Array<number>(100).fill(0x91), 0xc0]; // [[[[...None...]]]]
    expect(() => literalToValue(msgpackLiteral(bytes), STRUCT, 'cfg')).toThrow(
      /^Input 'cfg(\[0\]){64}': nested deeper than 64 levels\.$/,
    );
  });
});

describe('msgpack structs to Python', () => {
  it('encodes a small object exactly as Python would', () => {
    expect(bytesOf(valueToLiteral({ a: 1, b: [1.5, 'x'], c: null }, STRUCT, 'out'))).toEqual(PYTHON_ABC);
  });

  it('encodes integers beyond 32 bits as msgpack integers, not floats', () => {
    expect(bytesOf(valueToLiteral({ n: 5_000_000_000 }, STRUCT, 'out')).slice(3)).toEqual([
      0xcf, 0, 0, 0, 0x01, 0x2a, 0x05, 0xf2, 0x00,
    ]);
    const negative = bytesOf(valueToLiteral({ n: -3_000_000_000 }, STRUCT, 'out'));
    expect(negative[3]).toBe(0xd3);
    expect(literalToValue(msgpackLiteral(negative), STRUCT, 'x')).toEqual({ n: -3_000_000_000 });
    expect(bytesOf(valueToLiteral({ n: 2n ** 63n - 1n }, STRUCT, 'out')).slice(3)).toEqual([
      0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    expect(bytesOf(valueToLiteral({ n: 2n ** 64n - 1n }, STRUCT, 'out')).slice(3)).toEqual([
      0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
  });

  it('round-trips a Python-like dataclass with nested lists, floats, ints, strings and None', () => {
    const dataclass = {
      name: 'training-run',
      epochs: 10,
      learning_rate: 0.001,
      layers: [
        { units: 128, activation: 'relu', dropout: 0.5 },
        { units: 10, activation: 'softmax', dropout: null },
      ],
      matrix: [
        [1, 2.5],
        [-3, 1e-9],
      ],
      huge: 2n ** 62n,
      checkpoint: null,
      tags: [],
    };
    const literal = valueToLiteral(dataclass, STRUCT, 'cfg');
    // Same bytes as an independent encode of the same data: the wire format is plain msgpack.
    expect(bytesOf(literal)).toEqual(Array.from(encode(dataclass, { useBigInt64: true })));
    expect(literalToValue(literal, STRUCT, 'cfg')).toEqual(dataclass);
  });

  it('sends Dates as ISO strings and drops undefined properties, like JSON', () => {
    const literal = valueToLiteral(
      { at: new Date('2024-05-01T10:00:00Z'), skip: undefined, list: [1, undefined] },
      STRUCT,
      'out',
    );
    expect(literalToValue(literal, STRUCT, 'x')).toEqual({ at: '2024-05-01T10:00:00.000Z', list: [1, null] });
  });

  it('refuses values msgpack cannot carry, naming the path, as InternalError', () => {
    const attempt = (value: unknown) => () => valueToLiteral(value, STRUCT, 'out');
    expect(attempt([1])).toThrow(
      "Output 'out': expected STRUCT (a plain object), found an array (length 1).",
    );
    expect(attempt(null)).toThrow(/expected STRUCT \(a plain object\), found null/);
    expect(attempt({ a: { fn: () => 1 } })).toThrow(
      "Output 'out.a.fn': cannot encode a function in a msgpack struct.",
    );
    expect(attempt({ m: new Map() })).toThrow(
      "Output 'out.m': cannot encode an instance of Map in a msgpack struct.",
    );
    expect(attempt({ n: 2n ** 64n })).toThrow(
      "Output 'out.n': integer out of the msgpack range (int64/uint64).",
    );
    expect(attempt({ d: new Date(NaN) })).toThrow(/cannot encode an invalid Date/);
    const error = errorOf(attempt({ 'odd key': Symbol('s') }));
    expect(error).toBeInstanceOf(InternalError);
    expect(error.message).toBe('Output \'out["odd key"]\': cannot encode a symbol in a msgpack struct.');
  });

  it('stops on cyclic objects with the nesting guard instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => valueToLiteral(cyclic, STRUCT, 'out')).toThrow(/nested deeper than 64 levels/);
  });
});

describe('generic Struct encoding', () => {
  it('encodes plain JSON data as a protobuf Struct when asked', () => {
    const literal = valueToLiteral({ a: 1, b: ['x', true, null], big: 42n }, STRUCT, 'out', {
      structEncoding: 'generic',
    });
    expect(genericOf(literal)).toEqual({ a: 1, b: ['x', true, null], big: 42 });
    expect(literalToValue(literal, STRUCT, 'out')).toEqual({ a: 1, b: ['x', true, null], big: 42 });
  });

  it('refuses what a Struct cannot carry', () => {
    const attempt = (value: unknown) => () =>
      valueToLiteral(value, STRUCT, 'out', { structEncoding: 'generic' });
    expect(attempt({ x: NaN })).toThrow(
      "Output 'out.x': cannot encode NaN or ±Infinity in a generic Struct.",
    );
    expect(attempt({ x: 2n ** 60n })).toThrow(/cannot encode a bigint beyond ±2\^53 exactly/);
    expect(attempt({ x: new Uint8Array(1) })).toThrow(
      "Output 'out.x': cannot encode a Uint8Array in a generic Struct.",
    );
  });

  it('applies the nesting guard to incoming Structs', () => {
    let deep: JsonObject = {};
    for (let i = 0; i < 70; i++) deep = { d: deep };
    const literal = scalarLiteral({ case: 'generic', value: deep });
    expect(() => literalToValue(literal, STRUCT, 's')).toThrow(/nested deeper than 64 levels/);
  });
});
