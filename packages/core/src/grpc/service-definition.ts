import { fromBinary, toBinary, type DescMessage, type DescService } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

/**
 * A request that failed to decode. grpc-js would answer a throwing deserializer with INTERNAL; handing the handler
 * a marker lets it answer INVALID_ARGUMENT, which is what a malformed request is.
 */
export class UndecodableRequest {
  constructor(readonly problem: string) {}
}

/** Builds a grpc-js service definition from a protobuf-es service descriptor (paths `/<service>/<Method>`). */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
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
  return (bytes: Buffer): unknown => {
    try {
      return fromBinary(schema, bytes);
    } catch (error) {
      return new UndecodableRequest(
        `the request is not a valid ${schema.typeName}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
}
