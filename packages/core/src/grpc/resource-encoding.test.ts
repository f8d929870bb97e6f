import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GetTaskResponseSchema as V1GetTaskResponseSchema,
  ResourceSchema as V1ResourceSchema,
} from '../gen/v1/flyteidl/admin/agent_pb.js';
import { GetTaskResponseSchema, ResourceSchema } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { Literal, LiteralSchema, PrimitiveSchema } from '../gen/v2/flyteidl2/core/literals_pb.js';
import { encodeGetTaskResponse, WRITTEN_FIELDS } from './resource-encoding.js';

type ResourceInit = MessageInitShape<typeof ResourceSchema>;
type LiteralInit = MessageInitShape<typeof LiteralSchema>;

/** What protobuf-es writes for the same answer: the reference for every byte. */
function reference(init: ResourceInit): string {
  const response = create(GetTaskResponseSchema, { resource: create(ResourceSchema, init) });
  return Buffer.from(toBinary(GetTaskResponseSchema, response)).toString('hex');
}

function encoded(init: ResourceInit): string {
  return Buffer.from(encodeGetTaskResponse(create(ResourceSchema, init))).toString('hex');
}

const primitive = (value: MessageInitShape<typeof PrimitiveSchema>['value']): LiteralInit => ({
  value: { case: 'scalar', value: { value: { case: 'primitive', value: { value } } } },
});
const integer = (value: bigint) => primitive({ case: 'integer', value });
const text = (value: string) => primitive({ case: 'stringValue', value });
const outputs = (literals: Record<string, LiteralInit>): ResourceInit['outputs'] => ({
  literals: Object.entries(literals).map(([name, value]) => ({ name, value })),
});

describe('encodeGetTaskResponse', () => {
  it('writes every field of the messages it handles, and only those (a new IDL field fails here)', () => {
    for (const [schema, written] of WRITTEN_FIELDS) {
      expect([...schema.fields.map((field) => field.number)].sort(), schema.typeName).toEqual(
        [...written].sort(),
      );
    }
    // Flyte 1's answer is written as Flyte 2's with the state in front: these numbers are assumed.
    expect(V1GetTaskResponseSchema.field.resource.number).toBe(1);
    expect(V1ResourceSchema.field.state.number).toBe(1);
  });

  const cases: [string, ResourceInit][] = [
    ['an empty resource', {}],
    ['a phase', { phase: 3 }],
    ['a phase and a message', { phase: 4, message: 'quota exceeded: ünïcode ✓' }],
    ['an integer output', { phase: 4, outputs: outputs({ result: integer(42n) }) }],
    [
      'primitives at their extremes',
      {
        phase: 4,
        outputs: outputs({
          big: integer(9_007_199_254_740_993n),
          negative: integer(-1n),
          zero: integer(0n),
          pi: primitive({ case: 'floatValue', value: 3.14159 }),
          nan: primitive({ case: 'floatValue', value: Number.NaN }),
          empty: text(''),
          long: text('x'.repeat(300)),
          yes: primitive({ case: 'boolean', value: true }),
          no: primitive({ case: 'boolean', value: false }),
          when: primitive({ case: 'datetime', value: timestampFromMs(1_700_000_000_123) }),
          took: primitive({ case: 'duration', value: { seconds: 5n, nanos: 7 } }),
        }),
      },
    ],
    [
      'collections, maps and none',
      {
        phase: 4,
        outputs: outputs({
          list: { value: { case: 'collection', value: { literals: [integer(1n), integer(2n)] } } },
          empty: { value: { case: 'collection', value: {} } },
          map: { value: { case: 'map', value: { literals: { a: text('x'), b: text('y') } } } },
          nested: {
            value: {
              case: 'collection',
              value: { literals: [{ value: { case: 'map', value: { literals: { k: integer(3n) } } } }] },
            },
          },
          none: { value: { case: 'scalar', value: { value: { case: 'noneType', value: {} } } } },
        }),
      },
    ],
    [
      'hash, metadata and offloaded literals',
      {
        phase: 4,
        outputs: outputs({
          hashed: { ...integer(5n), hash: 'abc', metadata: { source: 'cache', owner: 'me' } },
          offloaded: {
            value: { case: 'offloadedMetadata', value: { uri: 's3://bucket/x', sizeBytes: 10n } },
            hash: 'h',
          },
        }),
      },
    ],
    [
      'scalars protobuf-es writes (blob, struct, union, error)',
      {
        phase: 4,
        outputs: outputs({
          blob: {
            value: {
              case: 'scalar',
              value: { value: { case: 'blob', value: { uri: 's3://b/f.csv', metadata: { type: {} } } } },
            },
          },
          generic: {
            value: {
              case: 'scalar',
              value: { value: { case: 'generic', value: { a: 1, b: [true, null] } } },
            },
          },
          union: {
            value: {
              case: 'scalar',
              value: {
                value: { case: 'union', value: { value: integer(1n), type: { structure: { tag: 'int' } } } },
              },
            },
          },
          error: {
            value: { case: 'scalar', value: { value: { case: 'error', value: { message: 'boom' } } } },
          },
        }),
      },
    ],
    [
      'log links with every field, and one with a ttl',
      {
        phase: 2,
        logLinks: [
          {
            uri: 'https://console.example/job/1',
            name: 'console',
            messageFormat: 2,
            ShowWhilePending: true,
            HideOnceFinished: true,
            linkType: 1,
            ready: true,
            iconUri: 'https://console.example/icon.svg',
          },
          { uri: 'https://logs.example', ttl: { seconds: 60n } },
          {},
        ],
      },
    ],
    ['custom info', { phase: 4, customInfo: { bytesBilled: 2048, nested: { list: [1, 'two', null] } } }],
  ];

  it.each(cases)('writes the bytes protobuf-es writes: %s', (_what, init) => {
    expect(encoded(init)).toBe(reference(init));
  });

  it('keeps unknown fields a resource carries (a sync resource decoded from resource_meta)', () => {
    const known = toBinary(
      ResourceSchema,
      create(ResourceSchema, { phase: 4, outputs: outputs({ n: integer(1n) }) }),
    );
    // Field 99, varint 7: unknown to this IDL version; protobuf-es keeps it in $unknown.
    const withUnknown = fromBinary(ResourceSchema, Buffer.concat([known, Buffer.from([0x98, 0x06, 0x07])]));
    const bytes = encodeGetTaskResponse(withUnknown);
    expect(Buffer.from(bytes).toString('hex')).toBe(
      Buffer.from(
        toBinary(GetTaskResponseSchema, create(GetTaskResponseSchema, { resource: withUnknown })),
      ).toString('hex'),
    );
    expect(fromBinary(GetTaskResponseSchema, bytes).resource?.$unknown).toHaveLength(1);
  });

  it('writes random literal trees as protobuf-es does', () => {
    const leaf: fc.Arbitrary<LiteralInit> = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(integer),
      fc.double().map((value) => primitive({ case: 'floatValue', value })),
      fc.string({ unit: 'grapheme' }).map(text),
      fc.boolean().map((value) => primitive({ case: 'boolean', value })),
      fc.constant<LiteralInit>({
        value: { case: 'scalar', value: { value: { case: 'noneType', value: {} } } },
      }),
    );
    const { literal } = fc.letrec<{ literal: LiteralInit }>((tie) => ({
      literal: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc
          .array(tie('literal'), { maxLength: 4 })
          .map((literals): LiteralInit => ({ value: { case: 'collection', value: { literals } } })),
        fc
          .dictionary(fc.string(), tie('literal'), { maxKeys: 4 })
          .map((literals): LiteralInit => ({ value: { case: 'map', value: { literals } } })),
      ),
    }));
    const resource = fc
      .record({
        phase: fc.integer({ min: 0, max: 8 }),
        message: fc.string(),
        literals: fc.dictionary(fc.string({ minLength: 1 }), literal, { maxKeys: 5 }),
      })
      .map(({ phase, message, literals }): ResourceInit => ({ phase, message, outputs: outputs(literals) }));
    fc.assert(
      fc.property(resource, (init) => {
        expect(encoded(init)).toBe(reference(init));
      }),
      { numRuns: 300 },
    );
  });

  it('gives correct answers after a very large one and after one that failed half-way', () => {
    const large: ResourceInit = { phase: 4, outputs: outputs({ blob: text('x'.repeat(200_000)) }) };
    expect(encoded(large)).toBe(reference(large));
    const broken = create(ResourceSchema, { phase: 4, outputs: outputs({ n: integer(1n) }) });
    const scalar = (broken.outputs!.literals[0]!.value as Literal).value;
    if (scalar.case !== 'scalar' || scalar.value.value.case !== 'primitive')
      throw new Error('unexpected shape');
    scalar.value.value.value.value = { case: 'integer', value: 'not a number' as unknown as bigint };
    expect(() => encodeGetTaskResponse(broken)).toThrow();
    const small: ResourceInit = { phase: 2, message: 'running' };
    expect(encoded(small)).toBe(reference(small));
  });
});
