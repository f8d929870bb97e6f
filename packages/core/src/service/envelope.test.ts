import { create, equals, toBinary, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { base64Encode } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { InvalidResourceMetaError, type ConnectorError } from '../errors.js';
import { ResourceSchema } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { TaskExecution_Phase, TaskLog_LinkType } from '../gen/v2/flyteidl2/core/execution_pb.js';
import {
  VariableEntrySchema,
  VariableMapSchema,
  VariableSchema,
  type VariableEntry,
} from '../gen/v2/flyteidl2/core/interface_pb.js';
import {
  LiteralTypeSchema,
  SimpleType,
  TypeAnnotationSchema,
  TypeStructureSchema,
  type LiteralType,
} from '../gen/v2/flyteidl2/core/types_pb.js';
import { primitiveLiteral } from '../literals/build.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';

/** The documentation-only (and structure) fields a test adds to a type. */
type Extra = Pick<Partial<LiteralType>, 'metadata' | 'annotation' | 'structure'>;

const simple = (value: SimpleType, extra: Extra = {}): LiteralType =>
  create(LiteralTypeSchema, { ...extra, type: { case: 'simple', value } });
const listOf = (value: LiteralType, extra: Extra = {}): LiteralType =>
  create(LiteralTypeSchema, { ...extra, type: { case: 'collectionType', value } });
const mapOf = (value: LiteralType, extra: Extra = {}): LiteralType =>
  create(LiteralTypeSchema, { ...extra, type: { case: 'mapValueType', value } });
const unionOf = (variants: LiteralType[], extra: Extra = {}): LiteralType =>
  create(LiteralTypeSchema, { ...extra, type: { case: 'unionType', value: { variants } } });
const entry = (key: string, type?: LiteralType, description = ''): VariableEntry =>
  create(VariableEntrySchema, { key, value: create(VariableSchema, { type, description }) });

const INT = simple(SimpleType.INTEGER);
const STR = simple(SimpleType.STRING);

/** A JSON schema of the size SDKs put into `metadata` for a dataclass with many fields (~100 kB). */
function bigSchema(): JsonObject {
  const properties: JsonObject = {};
  for (let i = 0; i < 1000; i++) {
    properties[`field_number_${i}`] = {
      type: 'string',
      title: `Field number ${i}`,
      description: 'x'.repeat(40),
    };
  }
  return { title: 'BigDataclass', type: 'object', properties };
}
const BIG_METADATA = { ...bigSchema() };
const BIG_ANNOTATION = create(TypeAnnotationSchema, { annotations: bigSchema() });
const bloated = { metadata: BIG_METADATA, annotation: BIG_ANNOTATION };

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

function decodeError(data: Uint8Array): ConnectorError {
  try {
    decodeEnvelope(data);
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected decodeEnvelope to throw');
}

describe('encodeEnvelope / decodeEnvelope', () => {
  it('round-trips the connector meta and the declared output types', () => {
    const meta: JsonValue = { jobId: 'job-123', region: 'eu', attempts: [1, 2], done: false, extra: null };
    const floatList = listOf(simple(SimpleType.FLOAT));
    const envelope = decodeEnvelope(
      encodeEnvelope(meta, [
        entry('count', INT, 'how many'),
        entry('names', floatList),
        entry('labels', mapOf(STR)),
      ]),
    );

    expect(envelope.meta).toEqual(meta);
    expect([...envelope.outputTypes.keys()]).toEqual(['count', 'names', 'labels']);
    expect(equals(LiteralTypeSchema, envelope.outputTypes.get('count')!, INT)).toBe(true);
    expect(equals(LiteralTypeSchema, envelope.outputTypes.get('names')!, floatList)).toBe(true);
    expect(equals(LiteralTypeSchema, envelope.outputTypes.get('labels')!, mapOf(STR))).toBe(true);
    expect(envelope.syncResource).toBeUndefined();
  });

  it.each([null, 'a string', 42, true, [1, 'two'], { nested: { ünïcødé: '日本語 ✓' } }] as JsonValue[])(
    'round-trips meta %j',
    (meta) => {
      expect(decodeEnvelope(encodeEnvelope(meta, [])).meta).toEqual(meta);
    },
  );

  it('writes versioned UTF-8 JSON, without an outputs field when none are declared', () => {
    const encoded = encodeEnvelope({ id: 'x' }, []);
    expect(JSON.parse(text(encoded))).toEqual({ v: 1, meta: { id: 'x' } });
    expect(decodeEnvelope(encoded).outputTypes.size).toBe(0);
  });

  it('reads the envelope format persisted by earlier runs (stable wire format)', () => {
    const outputs = base64Encode(
      toBinary(VariableMapSchema, create(VariableMapSchema, { variables: [entry('n', INT)] })),
    );
    const envelope = decodeEnvelope(bytes(JSON.stringify({ v: 1, meta: { id: 'old' }, outputs })));
    expect(envelope.meta).toEqual({ id: 'old' });
    expect(equals(LiteralTypeSchema, envelope.outputTypes.get('n')!, INT)).toBe(true);
  });

  it('refuses output types Flyte does not define, as an altered resource_meta', () => {
    const outputs = base64Encode(
      toBinary(
        VariableMapSchema,
        create(VariableMapSchema, { variables: [entry('n', listOf(simple(-1 as SimpleType)))] }),
      ),
    );
    const error = decodeError(bytes(JSON.stringify({ v: 1, meta: {}, outputs })));
    expect(error).toBeInstanceOf(InvalidResourceMetaError);
    expect(error.message).toContain('"outputs"');
  });

  it('leaves out outputs declared without a type', () => {
    const envelope = decodeEnvelope(encodeEnvelope({}, [entry('typed', INT), entry('untyped')]));
    expect([...envelope.outputTypes.keys()]).toEqual(['typed']);
  });

  it('does not store variable descriptions', () => {
    const encoded = encodeEnvelope({}, [entry('n', INT, 'documentation '.repeat(200))]);
    expect(encoded.length).toBeLessThan(100);
  });
});

describe('encodeEnvelope: trimming of documentation-only type fields', () => {
  it('drops metadata and annotation, so a big dataclass schema does not make resource_meta big', () => {
    expect(toBinary(LiteralTypeSchema, simple(SimpleType.STRUCT, bloated)).length).toBeGreaterThan(100_000);

    const encoded = encodeEnvelope({ id: 'job' }, [entry('result', simple(SimpleType.STRUCT, bloated))]);
    expect(encoded.length).toBeLessThan(200);

    const type = decodeEnvelope(encoded).outputTypes.get('result')!;
    expect(type.metadata).toBeUndefined();
    expect(type.annotation).toBeUndefined();
    expect(type.type).toEqual({ case: 'simple', value: SimpleType.STRUCT });
  });

  it('drops them inside collections, maps and union variants too', () => {
    const nested = unionOf(
      [listOf(mapOf(simple(SimpleType.STRUCT, bloated), bloated), bloated), simple(SimpleType.NONE, bloated)],
      bloated,
    );
    const encoded = encodeEnvelope({}, [entry('result', nested)]);
    expect(encoded.length).toBeLessThan(300);

    const type = decodeEnvelope(encoded).outputTypes.get('result')!;
    const expected = unionOf([listOf(mapOf(simple(SimpleType.STRUCT))), simple(SimpleType.NONE)]);
    expect(equals(LiteralTypeSchema, type, expected)).toBe(true);
  });

  it('keeps the structure tag union variants are matched by', () => {
    const tagged = (type: LiteralType, tag: string) =>
      create(LiteralTypeSchema, { ...type, structure: create(TypeStructureSchema, { tag }) });
    const declared = unionOf([tagged(simple(SimpleType.INTEGER, bloated), 'int'), tagged(STR, 'str')]);
    const type = decodeEnvelope(encodeEnvelope({}, [entry('x', declared)])).outputTypes.get('x')!;
    if (type.type.case !== 'unionType') throw new Error(`expected a union, got ${type.type.case}`);
    expect(type.type.value.variants.map((variant) => variant.structure?.tag)).toEqual(['int', 'str']);
  });

  it('does not modify the caller’s variables', () => {
    const declared = simple(SimpleType.STRUCT, bloated);
    encodeEnvelope({}, [entry('result', declared)]);
    expect(declared.metadata).toBe(BIG_METADATA);
    expect(declared.annotation).toBe(BIG_ANNOTATION);
  });

  // BUG: trimType() does not descend into `structure.dataclassType`. SDKs declare a dataclass / Pydantic output as
  // STRUCT with `metadata` = its JSON schema AND `structure.dataclassType` = the literal type of every field, and
  // a field that is itself a dataclass carries its own full JSON schema in `metadata` again. That nested copy is
  // kept, so resource_meta still grows with the schema size.
  it('drops metadata of dataclass field types nested in structure.dataclassType', () => {
    const inner = simple(SimpleType.STRUCT, bloated);
    const outer = simple(SimpleType.STRUCT, {
      ...bloated,
      structure: create(TypeStructureSchema, { dataclassType: { inner, count: INT } }),
    });
    const encoded = encodeEnvelope({}, [entry('result', outer)]);
    expect(encoded.length).toBeLessThan(1_000);
  });
});

describe('encodeEnvelope / decodeEnvelope: sync resources', () => {
  it('round-trips a finished resource of a sync connector served over the async protocol', () => {
    const resource = create(ResourceSchema, {
      phase: TaskExecution_Phase.SUCCEEDED,
      message: 'done',
      outputs: { literals: [{ name: 'count', value: primitiveLiteral({ case: 'integer', value: 7n }) }] },
      logLinks: [
        { name: 'Console', uri: 'https://console/job/1', linkType: TaskLog_LinkType.DASHBOARD, ready: true },
      ],
      customInfo: { billedBytes: 1024, note: 'ok' },
    });
    const envelope = decodeEnvelope(encodeEnvelope({ kind: 'sync' }, [entry('count', INT)], resource));
    expect(envelope.meta).toEqual({ kind: 'sync' });
    expect(envelope.outputTypes.has('count')).toBe(true);
    expect(envelope.syncResource).toBeDefined();
    expect(equals(ResourceSchema, envelope.syncResource!, resource)).toBe(true);
  });
});

describe('decodeEnvelope: malformed resource_meta is the caller’s mistake', () => {
  const validOutputs = base64Encode(toBinary(VariableMapSchema, create(VariableMapSchema, {})));
  const invalidWireType = base64Encode(new Uint8Array([0x0f]));
  const truncated = base64Encode(new Uint8Array([0x0a, 0x05, 0x01]));
  const json = (value: unknown) => bytes(JSON.stringify(value));

  const cases: [string, Uint8Array, string][] = [
    ['empty bytes', new Uint8Array(), 'it is empty'],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'it is not UTF-8 JSON'],
    ['UTF-8 that is not JSON', bytes('job-123'), 'it is not UTF-8 JSON'],
    ['a pickled Python connector meta', new Uint8Array([0x80, 0x04, 0x95, 0x10]), 'it is not UTF-8 JSON'],
    ['a JSON array', json([{ v: 1, meta: {} }]), 'it is not an object with a "meta" field'],
    ['JSON null', json(null), 'it is not an object with a "meta" field'],
    ['a JSON string', json('meta'), 'it is not an object with a "meta" field'],
    ['an object without meta', json({ v: 1, jobId: 'x' }), 'it is not an object with a "meta" field'],
    ['no version', json({ meta: {} }), 'unsupported envelope version'],
    ['another version', json({ v: 2, meta: {} }), 'unsupported envelope version 2'],
    ['the version as a string', json({ v: '1', meta: {} }), 'unsupported envelope version "1"'],
    [
      'outputs that are not a string',
      json({ v: 1, meta: {}, outputs: 5 }),
      'the "outputs" field is malformed',
    ],
    [
      'outputs that are not base64',
      json({ v: 1, meta: {}, outputs: '!!not base64!!' }),
      'the "outputs" field is malformed',
    ],
    [
      'outputs with an invalid wire type',
      json({ v: 1, meta: {}, outputs: invalidWireType }),
      'the "outputs" field is malformed',
    ],
    ['truncated outputs', json({ v: 1, meta: {}, outputs: truncated }), 'the "outputs" field is malformed'],
    [
      'sync that is not a string',
      json({ v: 1, meta: {}, outputs: validOutputs, sync: {} }),
      'the "sync" field is malformed',
    ],
    ['sync that is not base64', json({ v: 1, meta: {}, sync: '%%%%' }), 'the "sync" field is malformed'],
    [
      'sync with an invalid wire type',
      json({ v: 1, meta: {}, sync: invalidWireType }),
      'the "sync" field is malformed',
    ],
    ['truncated sync', json({ v: 1, meta: {}, sync: truncated }), 'the "sync" field is malformed'],
  ];

  it.each(cases)('refuses %s with INVALID_ARGUMENT', (_name, data, problem) => {
    const error = decodeError(data);
    expect(error).toBeInstanceOf(InvalidResourceMetaError);
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^Invalid resource_meta: /);
    expect(error.message).toContain(problem);
  });
});
