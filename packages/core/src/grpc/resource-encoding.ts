import { toBinary, type DescMessage } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  GetTaskResponseSchema,
  ResourceSchema,
  type Resource,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import {
  TaskExecution_Phase,
  TaskLog_LinkType,
  TaskLog_MessageFormat,
  TaskLogSchema,
  type TaskLog,
} from '../gen/v2/flyteidl2/core/execution_pb.js';
import {
  LiteralSchema,
  PrimitiveSchema,
  ScalarSchema,
  type Literal,
  type Primitive,
  type Scalar,
} from '../gen/v2/flyteidl2/core/literals_pb.js';
import { NamedLiteralSchema, OutputsSchema, type Outputs } from '../gen/v2/flyteidl2/task/common_pb.js';

/**
 * The fields of each message this module writes (itself or through `toBinary`). A test checks that they are all of
 * the message's fields, so a regenerated IDL with a new field fails it instead of the field being dropped.
 */
export const WRITTEN_FIELDS: ReadonlyMap<DescMessage, readonly number[]> = new Map<DescMessage, number[]>([
  [GetTaskResponseSchema, [1]],
  [ResourceSchema, [2, 3, 4, 5, 6]],
  [OutputsSchema, [1]],
  [NamedLiteralSchema, [1, 2]],
  [LiteralSchema, [1, 2, 3, 4, 5, 8]],
  [ScalarSchema, [1, 2, 3, 4, 5, 6, 7, 8, 9]],
  [PrimitiveSchema, [1, 2, 3, 4, 5, 6]],
  [TaskLogSchema, [1, 2, 3, 4, 5, 6, 7, 8, 9]],
]);

/** A writer kept between calls, so that its buffer is reused; dropped after an answer this large. */
const REUSED_WRITER_MAX_BYTES = 64 * 1024;
let reusedWriter: BinaryWriter | undefined;

/**
 * A GetTaskResponse (Flyte 2's, or Flyte 1's when `v1State` is given: Flyte 1's Resource is Flyte 2's fields under
 * the same numbers plus the deprecated `state` as field 1) carrying `resource`; the same bytes protobuf-es's
 * `toBinary` writes. A GetTask's profile showed `toBinary` costing ~9 µs per call on the server (its field writers
 * are shared by every message type, so their call sites do not stay monomorphic, and every call allocates a
 * 128-byte off-heap buffer). The shapes a poll answers with — a phase, a message, outputs of primitives, collections
 * and maps, log links — are written here directly on a reused writer; anything rarer (blobs, structs, timestamps,
 * unknown fields) is handed to `toBinary` for that sub-message.
 */
export function encodeGetTaskResponse(resource: Resource, v1State?: number): Uint8Array {
  const writer = reusedWriter ?? new BinaryWriter();
  reusedWriter = undefined; // not given back if writing throws half-way
  writer.tag(GET_TASK_RESOURCE_FIELD, WireType.LengthDelimited).fork();
  // proto3 leaves a zero enum off the wire.
  if (v1State !== undefined && v1State !== 0) writer.tag(V1_STATE_FIELD, WireType.Varint).int32(v1State);
  writeResource(writer, resource);
  const bytes = writer.join().finish();
  if (bytes.byteLength <= REUSED_WRITER_MAX_BYTES) reusedWriter = writer;
  return bytes;
}

const GET_TASK_RESOURCE_FIELD = 1;
const V1_STATE_FIELD = 1;

function writeResource(writer: BinaryWriter, resource: Resource): void {
  // custom_info is a Struct, which protobuf-es holds as plain JSON: left to it, with the whole resource.
  if (resource.$unknown !== undefined || resource.customInfo !== undefined) {
    writer.raw(toBinary(ResourceSchema, resource));
    return;
  }
  if (resource.outputs !== undefined) {
    writer.tag(2, WireType.LengthDelimited).fork();
    writeOutputs(writer, resource.outputs);
    writer.join();
  }
  if (resource.message !== '') writer.tag(3, WireType.LengthDelimited).string(resource.message);
  for (const link of resource.logLinks) {
    writer.tag(4, WireType.LengthDelimited).fork();
    writeTaskLog(writer, link);
    writer.join();
  }
  if (resource.phase !== TaskExecution_Phase.UNDEFINED) writer.tag(5, WireType.Varint).int32(resource.phase);
}

function writeOutputs(writer: BinaryWriter, outputs: Outputs): void {
  if (outputs.$unknown !== undefined) {
    writer.raw(toBinary(OutputsSchema, outputs));
    return;
  }
  for (const named of outputs.literals) {
    writer.tag(1, WireType.LengthDelimited).fork();
    if (named.$unknown !== undefined) writer.raw(toBinary(NamedLiteralSchema, named));
    else {
      if (named.name !== '') writer.tag(1, WireType.LengthDelimited).string(named.name);
      if (named.value !== undefined) writeLiteralField(writer, 2, named.value);
    }
    writer.join();
  }
}

function writeLiteralField(writer: BinaryWriter, field: number, literal: Literal): void {
  writer.tag(field, WireType.LengthDelimited).fork();
  writeLiteral(writer, literal);
  writer.join();
}

function writeLiteral(writer: BinaryWriter, literal: Literal): void {
  const value = literal.value;
  if (
    literal.$unknown !== undefined ||
    // Offloaded literals are rare, and their field (8) comes after hash and metadata on the wire.
    value.case === 'offloadedMetadata' ||
    ((value.case === 'collection' || value.case === 'map') && value.value.$unknown !== undefined)
  ) {
    writer.raw(toBinary(LiteralSchema, literal));
    return;
  }
  switch (value.case) {
    case 'scalar':
      writer.tag(1, WireType.LengthDelimited).fork();
      writeScalar(writer, value.value);
      writer.join();
      break;
    case 'collection':
      writer.tag(2, WireType.LengthDelimited).fork();
      for (const item of value.value.literals) writeLiteralField(writer, 1, item);
      writer.join();
      break;
    case 'map': {
      writer.tag(3, WireType.LengthDelimited).fork();
      const entries = value.value.literals;
      for (const key of Object.keys(entries)) {
        writer.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(key);
        writeLiteralField(writer, 2, entries[key]!);
        writer.join();
      }
      writer.join();
      break;
    }
    case undefined:
      break;
  }
  if (literal.hash !== '') writer.tag(4, WireType.LengthDelimited).string(literal.hash);
  const metadata = literal.metadata;
  for (const key of Object.keys(metadata)) {
    writer
      .tag(5, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.LengthDelimited)
      .string(key)
      .tag(2, WireType.LengthDelimited)
      .string(metadata[key]!)
      .join();
  }
}

function writeScalar(writer: BinaryWriter, scalar: Scalar): void {
  const value = scalar.value;
  if (value.case === 'primitive' && scalar.$unknown === undefined) {
    writer.tag(1, WireType.LengthDelimited).fork();
    writePrimitive(writer, value.value);
    writer.join();
  } else if (
    value.case === 'noneType' &&
    scalar.$unknown === undefined &&
    value.value.$unknown === undefined
  ) {
    writer.tag(5, WireType.LengthDelimited).fork().join();
  } else if (value.case !== undefined || scalar.$unknown !== undefined) {
    // Blobs, structured datasets, unions, errors, generic (Struct) values: protobuf-es writes them.
    writer.raw(toBinary(ScalarSchema, scalar));
  }
}

function writePrimitive(writer: BinaryWriter, primitive: Primitive): void {
  const value = primitive.value;
  if (primitive.$unknown !== undefined) {
    writer.raw(toBinary(PrimitiveSchema, primitive));
    return;
  }
  switch (value.case) {
    case 'integer':
      writer.tag(1, WireType.Varint).int64(value.value);
      return;
    case 'floatValue':
      writer.tag(2, WireType.Bit64).double(value.value);
      return;
    case 'stringValue':
      writer.tag(3, WireType.LengthDelimited).string(value.value);
      return;
    case 'boolean':
      writer.tag(4, WireType.Varint).bool(value.value);
      return;
    case undefined:
      return;
    default:
      // Timestamps and durations.
      writer.raw(toBinary(PrimitiveSchema, primitive));
  }
}

function writeTaskLog(writer: BinaryWriter, link: TaskLog): void {
  if (link.$unknown !== undefined || link.ttl !== undefined) {
    writer.raw(toBinary(TaskLogSchema, link));
    return;
  }
  if (link.uri !== '') writer.tag(1, WireType.LengthDelimited).string(link.uri);
  if (link.name !== '') writer.tag(2, WireType.LengthDelimited).string(link.name);
  if (link.messageFormat !== TaskLog_MessageFormat.UNKNOWN)
    writer.tag(3, WireType.Varint).int32(link.messageFormat);
  if (link.ShowWhilePending) writer.tag(5, WireType.Varint).bool(true);
  if (link.HideOnceFinished) writer.tag(6, WireType.Varint).bool(true);
  if (link.linkType !== TaskLog_LinkType.EXTERNAL) writer.tag(7, WireType.Varint).int32(link.linkType);
  if (link.ready) writer.tag(8, WireType.Varint).bool(true);
  if (link.iconUri !== '') writer.tag(9, WireType.LengthDelimited).string(link.iconUri);
}
