import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { CreateTaskRequestSchema } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { InputsSchema } from '../gen/v2/flyteidl2/task/common_pb.js';
import { lengthDelimitedField } from './wire-field.js';

describe('lengthDelimitedField', () => {
  const inputs = create(InputsSchema, {
    literals: [
      {
        name: 'payload',
        value: {
          value: {
            case: 'scalar',
            value: {
              value: {
                case: 'primitive',
                value: { value: { case: 'stringValue', value: 'x'.repeat(5000) } },
              },
            },
          },
        },
      },
    ],
  });
  const request = create(CreateTaskRequestSchema, { inputs, outputPrefix: 's3://bucket/prefix' });
  const wire = toBinary(CreateTaskRequestSchema, request);

  it('finds a sub-message by field number, byte for byte as it was encoded', () => {
    const field = lengthDelimitedField(wire, CreateTaskRequestSchema.field.inputs.number);
    expect(field).toEqual(toBinary(InputsSchema, inputs));
  });

  it('reads string fields too, and is undefined for an absent field', () => {
    const prefix = lengthDelimitedField(wire, CreateTaskRequestSchema.field.outputPrefix.number);
    expect(new TextDecoder().decode(prefix)).toBe('s3://bucket/prefix');
    expect(lengthDelimitedField(wire, CreateTaskRequestSchema.field.template.number)).toBeUndefined();
  });

  it('throws on a truncated message instead of reading past its end', () => {
    expect(() => lengthDelimitedField(wire.subarray(0, 100), 999)).toThrow();
  });
});
