import { fromBinary, toBinary, type DescMessage, type DescService } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { InvalidArgumentError } from '../errors.js';

/**
 * A request as it came off the wire, decoded only once the handler has admitted it: decoding is where a large
 * request starts costing memory, and a deserializer that throws would make grpc-js answer INTERNAL where a
 * malformed request deserves INVALID_ARGUMENT.
 */
export class EncodedRequest {
  constructor(
    readonly bytes: Buffer,
    private readonly schema: DescMessage,
  ) {}

  /**
   * Throws InvalidArgumentError naming the message type when the bytes are not a valid message. `as` reads them as
   * a wire-compatible message of another type instead (Flyte 1 requests as their Flyte 2 counterparts).
   */
  decode(as: DescMessage = this.schema): unknown {
    try {
      return fromBinary(as, this.bytes);
    } catch (error) {
      const readAs = as === this.schema ? '' : ` (read as ${as.typeName})`;
      throw new InvalidArgumentError(
        `the request is not a valid ${this.schema.typeName}${readAs}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/**
 * Builds a grpc-js service definition from a protobuf-es service descriptor (paths `/<service>/<Method>`). On the
 * server side requests arrive as `EncodedRequest`s; on the client side everything is decoded as usual.
 */
export function grpcServiceDefinition(
  service: DescService,
  side: 'client' | 'server' = 'client',
): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize:
        side === 'server'
          ? (bytes: Buffer) => new EncodedRequest(bytes, method.input)
          : deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
      originalName: method.localName,
    };
  }
  return definition;
}

/** A handler may answer with its message already encoded (see `encodeV1GetTaskResponse`); those bytes go as they are. */
function serializer(schema: DescMessage) {
  return (message: unknown): Buffer =>
    asBuffer(message instanceof Uint8Array ? message : toBinary(schema, message as never));
}

/** V8 keeps typed arrays of up to this many bytes inside its heap (`--typed-array-max-size-in-heap`). */
const ON_HEAP_TYPED_ARRAY_BYTES = 64;

/**
 * grpc-js wants a Buffer. Most answers (a GetTask's resource) are a few dozen bytes, which V8 stores inside the
 * heap; reading `.buffer` of such an array moves it out to a freshly allocated backing store, which costs more
 * than copying the bytes into Node's shared pool. A larger array already has its own store, so it is only wrapped.
 */
function asBuffer(bytes: Uint8Array): Buffer {
  return bytes.byteLength <= ON_HEAP_TYPED_ARRAY_BYTES
    ? Buffer.from(bytes)
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function deserializer(schema: DescMessage) {
  return (bytes: Buffer): unknown => fromBinary(schema, bytes);
}
