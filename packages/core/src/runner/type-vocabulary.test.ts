import { toJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { LiteralTypeSchema } from '../gen/v2/flyteidl2/core/types_pb.js';
import { parseTypeSpec } from './type-vocabulary.js';

const json = (spec: unknown) => toJson(LiteralTypeSchema, parseTypeSpec(spec, 'inputs.x'));

describe('parseTypeSpec', () => {
  it('maps the simple names and their aliases', () => {
    expect(json('integer')).toEqual({ simple: 'INTEGER' });
    expect(json('INT')).toEqual({ simple: 'INTEGER' });
    expect(json('float')).toEqual({ simple: 'FLOAT' });
    expect(json('str')).toEqual({ simple: 'STRING' });
    expect(json('bool')).toEqual({ simple: 'BOOLEAN' });
    expect(json('datetime')).toEqual({ simple: 'DATETIME' });
    expect(json('duration')).toEqual({ simple: 'DURATION' });
    expect(json('bytes')).toEqual({ simple: 'BINARY' });
    expect(json('dict')).toEqual({ simple: 'STRUCT' });
    expect(json('none')).toEqual({ simple: 'NONE' });
  });

  it('builds collections, maps, unions and optionals with variant tags', () => {
    expect(json('list<integer>')).toEqual({ collectionType: { simple: 'INTEGER' } });
    expect(json('map< list<string> >')).toEqual({ mapValueType: { collectionType: { simple: 'STRING' } } });
    expect(json('optional<float>')).toEqual({
      unionType: {
        variants: [
          { simple: 'FLOAT', structure: { tag: 'float' } },
          { simple: 'NONE', structure: { tag: 'none' } },
        ],
      },
    });
    expect(json('union<integer, list<string>>')).toEqual({
      unionType: {
        variants: [
          { simple: 'INTEGER', structure: { tag: 'integer' } },
          { collectionType: { simple: 'STRING' }, structure: { tag: 'list<string>' } },
        ],
      },
    });
  });

  it('builds enums, blobs and structured datasets', () => {
    expect(json('enum(red, green)')).toEqual({ enumType: { values: ['red', 'green'] } });
    expect(json('file')).toEqual({ blob: {} });
    expect(json('file(csv)')).toEqual({ blob: { format: 'csv' } });
    expect(json('directory')).toEqual({ blob: { dimensionality: 'MULTIPART' } });
    expect(json('structured_dataset(parquet)')).toEqual({ structuredDatasetType: { format: 'parquet' } });
    expect(json('dataframe')).toEqual({ structuredDatasetType: {} });
  });

  it('accepts a LiteralType in proto JSON', () => {
    expect(json({ simple: 'INTEGER' })).toEqual({ simple: 'INTEGER' });
    expect(json({ mapValueType: { simple: 'FLOAT' } })).toEqual({ mapValueType: { simple: 'FLOAT' } });
  });

  it('refuses nonsense with the variable named', () => {
    expect(() => parseTypeSpec('integr', 'inputs.x')).toThrow(
      /inputs\.x: invalid type "integr": unknown type/,
    );
    expect(() => parseTypeSpec('list<integer', 'inputs.x')).toThrow(/expected '>'/);
    expect(() => parseTypeSpec('list<integer, string>', 'inputs.x')).toThrow(/exactly one/);
    expect(() => parseTypeSpec('integer x', 'inputs.x')).toThrow(/unexpected/);
    expect(() => parseTypeSpec(42, 'inputs.x')).toThrow(/expected a type name/);
    expect(() => parseTypeSpec({ simple: 'NOPE' }, 'inputs.x')).toThrow(/not a LiteralType/);
  });
});
