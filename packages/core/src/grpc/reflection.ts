import { toBinary, type DescFile } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';

type Handler = (...args: unknown[]) => unknown;
type AddService = Pick<Server, 'addService'>;

/**
 * Adds gRPC server reflection (v1 and v1alpha) for the given files. The index @grpc/reflection builds from the
 * descriptors costs several MB and is only needed when someone runs grpcurl, so it is built on the first reflection
 * call; until then only the (cheap) service definitions are registered.
 */
export function addLazyReflection(server: AddService, files: readonly DescFile[]): void {
  let real: Map<string, UntypedServiceImplementation> | undefined;
  const implementations = () => (real ??= capture(new ReflectionService(reflectionPackage(files) as never)));
  for (const [name, { definition, implementation }] of captureServices(new ReflectionService({}))) {
    const lazy: UntypedServiceImplementation = {};
    for (const method of Object.keys(implementation)) {
      lazy[method] = ((...args: unknown[]) =>
        (implementations().get(name)![method] as Handler)(...args)) as UntypedServiceImplementation[string];
    }
    server.addService(definition, lazy);
  }
}

function capture(service: ReflectionService): Map<string, UntypedServiceImplementation> {
  return new Map([...captureServices(service)].map(([name, { implementation }]) => [name, implementation]));
}

function captureServices(
  service: ReflectionService,
): Map<string, { definition: ServiceDefinition; implementation: UntypedServiceImplementation }> {
  const captured = new Map<
    string,
    { definition: ServiceDefinition; implementation: UntypedServiceImplementation }
  >();
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
