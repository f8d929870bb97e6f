import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { CreateTaskRequestSchema } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { InputsSchema } from '../gen/v2/flyteidl2/task/common_pb.js';
import { InvalidArgumentError } from '../errors.js';
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
    const field = lengthDelimitedField(wire, CreateTaskRequestSchema.field.inputs.number, 'test.Request');
    expect(field).toEqual(toBinary(InputsSchema, inputs));
  });

  it('reads string fields too, and is undefined for an absent field', () => {
    const prefix = lengthDelimitedField(
      wire,
      CreateTaskRequestSchema.field.outputPrefix.number,
      'test.Request',
    );
    expect(new TextDecoder().decode(prefix)).toBe('s3://bucket/prefix');
    expect(
      lengthDelimitedField(wire, CreateTaskRequestSchema.field.template.number, 'test.Request'),
    ).toBeUndefined();
  });

  it("refuses a truncated message as the caller's mistake, naming the message, instead of reading past its end", () => {
    expect(() => lengthDelimitedField(wire.subarray(0, 100), 999, 'test.Request')).toThrow(
      new InvalidArgumentError('the request is not a valid test.Request: premature EOF'),
    );
  });

  it('refuses an unterminated group, which protobuf-es decodes leniently', () => {
    // The inputs field's tag turned from LEN (2) into START_GROUP (3) by one flipped bit, as a fuzzed request had it.
    const flipped = Uint8Array.from(wire);
    flipped[0]! ^= 1;
    expect(() => fromBinary(CreateTaskRequestSchema, flipped)).not.toThrow();
    expect(() => lengthDelimitedField(flipped, 1, 'test.Request')).toThrow(InvalidArgumentError);
  });
});
