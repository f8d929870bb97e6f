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

  /** Throws InvalidArgumentError naming the message type when the bytes are not a valid message. */
  decode(): unknown {
    try {
      return fromBinary(this.schema, this.bytes);
    } catch (error) {
      throw new InvalidArgumentError(
        `the request is not a valid ${this.schema.typeName}: ${error instanceof Error ? error.message : String(error)}`,
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

function serializer(schema: DescMessage) {
  return (message: unknown): Buffer => {
    const bytes = toBinary(schema, message as never);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(schema: DescMessage) {
  return (bytes: Buffer): unknown => fromBinary(schema, bytes);
}
