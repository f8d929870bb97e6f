import { toBinary, type DescFile } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { EventEmitter } from 'node:events';
import type {
  MethodDefinition,
  Server,
  ServerDuplexStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { ReflectionService } from '@grpc/reflection';

type AddService = Pick<Server, 'addService'>;
type Services = Map<string, { definition: ServiceDefinition; implementation: UntypedServiceImplementation }>;
type ReflectionStream = ServerDuplexStream<unknown, unknown>;

/** The reflection services @grpc/reflection implements; each has one bidi method. */
const REFLECTION_PATHS = [
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
];

const bytes = (value: Buffer): Buffer => value;

/**
 * Adds gRPC server reflection (v1 and v1alpha) for the given files. Reflection is only needed when someone runs
 * grpcurl, while loading @grpc/reflection (protobufjs, its .proto files) and the index it builds cost start-up time
 * and megabytes: the methods are registered with pass-through serializers, and the package is loaded on the first
 * reflection call, which then speaks through its real serializers.
 */
export function addLazyReflection(server: AddService, files: readonly DescFile[]): void {
  let loading: Promise<Services> | undefined;
  const load = () =>
    (loading ??= import('@grpc/reflection').then(({ ReflectionService }) =>
      captureServices(new ReflectionService(reflectionPackage(files) as never)),
    ));
  for (const path of REFLECTION_PATHS) {
    const definition: MethodDefinition<Buffer, Buffer> = {
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: bytes,
      requestDeserialize: bytes,
      responseSerialize: bytes,
      responseDeserialize: bytes,
    };
    server.addService(
      { ServerReflectionInfo: definition },
      {
        ServerReflectionInfo: (call: ServerDuplexStream<Buffer, Buffer>) => {
          load().then(
            (services) => {
              const real = services.get(path);
              const method = real === undefined ? undefined : Object.values(real.definition)[0];
              const handler = real?.implementation['ServerReflectionInfo'] as
                ((stream: ReflectionStream) => void) | undefined;
              if (method === undefined || handler === undefined)
                throw new Error(`no reflection service at ${path}`);
              handler(decodingStream(call, method));
            },
            (error: unknown) => call.destroy(error instanceof Error ? error : new Error(String(error))),
          );
        },
      },
    );
  }
}

/** The call as @grpc/reflection's handler uses it ('data', 'end', write, end), with its real (de)serializers. */
function decodingStream(
  call: ServerDuplexStream<Buffer, Buffer>,
  method: MethodDefinition<unknown, unknown>,
) {
  const stream = new EventEmitter();
  // Messages that arrived while the package loaded wait in the call's buffer until this listener reads them.
  call.on('data', (message: Buffer) => stream.emit('data', method.requestDeserialize(message)));
  call.on('end', () => stream.emit('end'));
  return Object.assign(stream, {
    write: (response: unknown) => call.write(method.responseSerialize(response)),
    end: () => call.end(),
  }) as unknown as ReflectionStream;
}

function captureServices(service: ReflectionService): Services {
  const captured: Services = new Map();
  service.addToServer({
    addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => {
      const path = Object.values(definition)[0]?.path ?? '';
      captured.set(path, { definition, implementation });
    },
  });
  return captured;
}

/** The shape @grpc/reflection reads: objects carrying serialized FileDescriptorProtos of the served files. */
function reflectionPackage(files: readonly DescFile[]): Record<string, { fileDescriptorProtos: Buffer[] }> {
  const all = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (all.has(file.name)) return;
    all.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  files.forEach(visit);
  return {
    files: {
      fileDescriptorProtos: [...all.values()].map((file) =>
        Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)),
      ),
    },
  };
}
