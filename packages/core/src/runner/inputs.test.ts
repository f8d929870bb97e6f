import { create, toBinary, toJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { LiteralSchema } from '../gen/v2/flyteidl2/core/literals_pb.js';
import { TaskTemplateSchema, type TaskTemplate } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import { LiteralMapSchema } from '../gen/v1/flyteidl/core/literals_pb.js';
import { inputsToLiterals, parseInputsText, parseLiteralMap } from './inputs.js';
import { parseTypeSpec } from './type-vocabulary.js';

function template(inputs: Record<string, string>): TaskTemplate {
  return create(TaskTemplateSchema, {
    type: 't',
    interface: {
      inputs: {
        variables: Object.entries(inputs).map(([key, spec]) => ({
          key,
          value: { type: parseTypeSpec(spec, key) },
        })),
      },
    },
  });
}

function literals(text: string, inputs: Record<string, string>) {
  return Object.fromEntries(
    inputsToLiterals(parseInputsText(text, '--inputs'), template(inputs)).map((l) => [
      l.name,
      toJson(LiteralSchema, l.value!),
    ]),
  );
}

const primitive = (value: object) => ({ scalar: { primitive: value } });

describe('inputs', () => {
  it('converts JSON by the declared types, integers exactly', () => {
    expect(
      literals('{"x": 21, "big": 123456789012345678901, "s": "1234567890123456789", "f": 2, "b": true}', {
        x: 'integer',
        big: 'float',
        s: 'integer',
        f: 'float',
        b: 'boolean',
      }),
    ).toEqual({
      x: primitive({ integer: '21' }),
      big: primitive({ floatValue: 123456789012345680000 }),
      s: primitive({ integer: '1234567890123456789' }),
      f: primitive({ floatValue: 2 }),
      b: primitive({ boolean: true }),
    });
  });

  it('keeps every digit of a big integer written as a JSON number', () => {
    expect(literals('{"x": 9007199254740993}', { x: 'integer' })).toEqual({
      x: primitive({ integer: '9007199254740993' }),
    });
  });

  it('converts lists, maps, base64 bytes and datetimes', () => {
    const result = literals('{"xs": [1, "2"], "m": {"a": 1.5}, "d": "2024-01-02T03:04:05Z", "bin": "AQID"}', {
      xs: 'list<integer>',
      m: 'map<float>',
      d: 'datetime',
      bin: 'binary',
    });
    expect(result['xs']).toEqual({
      collection: { literals: [primitive({ integer: '1' }), primitive({ integer: '2' })] },
    });
    expect(result['m']).toEqual({ map: { literals: { a: primitive({ floatValue: 1.5 }) } } });
    expect(result['d']).toEqual(primitive({ datetime: '2024-01-02T03:04:05Z' }));
    expect(result['bin']).toEqual({ scalar: { binary: { value: 'AQID' } } });
  });

  it('refuses undeclared inputs and values of the wrong type, naming the input', () => {
    expect(() => literals('{"y": 1}', { x: 'integer' })).toThrow(
      "Input 'y' is not declared by the task (declared: x)",
    );
    expect(() => literals('{"x": "abc"}', { x: 'integer' })).toThrow(/x/);
    expect(() => literals('{"x": 1.5}', { x: 'integer' })).toThrow(/fraction/);
  });

  it('reads YAML and empty text, and refuses non-objects', () => {
    expect(parseInputsText('x: 1', 'f')).toEqual({ x: 1n });
    expect(parseInputsText('', 'f')).toEqual({});
    expect(() => parseInputsText('[1]', 'f')).toThrow(/expected a JSON object/);
    expect(() => parseInputsText('{"x": 1, "x": 2}', 'f')).toThrow(/not valid JSON/);
  });
});

describe('parseLiteralMap', () => {
  it('reads a Flyte 1 LiteralMap (map on the wire) as named literals', () => {
    const bytes = toBinary(
      LiteralMapSchema,
      create(LiteralMapSchema, {
        literals: {
          limit: {
            value: {
              case: 'scalar',
              value: { value: { case: 'primitive', value: { value: { case: 'integer', value: 3n } } } },
            },
          },
        },
      }),
    );
    const literals = parseLiteralMap(bytes, 'inputs.pb');
    expect(literals.map((l) => l.name)).toEqual(['limit']);
    const scalar = literals[0]?.value?.value;
    expect(
      scalar?.case === 'scalar' && scalar.value.value.case === 'primitive'
        ? scalar.value.value.value.value
        : undefined,
    ).toEqual({ case: 'integer', value: 3n });
  });

  it('names the file when the bytes are not a literal map', () => {
    expect(() => parseLiteralMap(new Uint8Array([0xff, 0xff, 0xff]), 'inputs.pb')).toThrow(
      /inputs\.pb is not a serialized literal map/,
    );
  });
});
