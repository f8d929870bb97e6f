// Standard gRPC services every deployment tool talks to (health probes, grpcurl's reflection), and raw calls
// that no typed client can make. All through grpc-js + proto-loader on the .proto files the packages ship.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Client,
  credentials,
  loadPackageDefinition,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Loose, V1Message } from './flyte1-client.js';

const require = createRequire(import.meta.url);

const HEALTH_PROTO = join(
  dirname(require.resolve('grpc-health-check/package.json')),
  'proto/health/v1/health.proto',
);
const REFLECTION_PROTO = join(
  dirname(require.resolve('@grpc/reflection/package.json')),
  'build/proto/grpc/reflection/v1/reflection.proto',
);
const REFLECTION_V1ALPHA_PROTO = join(
  dirname(require.resolve('@grpc/reflection/package.json')),
  'build/proto/grpc/reflection/v1alpha/reflection.proto',
);
const LOOSE = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true } as const;

const CLIENT_OPTIONS = { 'grpc.use_local_subchannel_pool': 1 };

let healthPackage: Loose;
let reflectionPackage: Loose;

/** `grpc.health.v1.Health/Check`: resolves with the status name (`SERVING`, `NOT_SERVING`, ...). */
export function healthCheck(port: number, service: string, timeoutMs = 5_000): Promise<string> {
  healthPackage ??= loadPackageDefinition(loadSync(HEALTH_PROTO, LOOSE));
  const client = new healthPackage.grpc.health.v1.Health(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
    CLIENT_OPTIONS,
  );
  return new Promise<string>((resolve, reject) => {
    client.Check(
      { service },
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response: V1Message) => {
        client.close();
        if (error !== null) reject(error);
        else resolve(response['status'] as string);
      },
    );
  });
}

/** `grpc.health.v1.Health/List`: every service's status by name. */
export function healthList(port: number, timeoutMs = 5_000): Promise<Record<string, string>> {
  healthPackage ??= loadPackageDefinition(loadSync(HEALTH_PROTO, LOOSE));
  const client = new healthPackage.grpc.health.v1.Health(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
    CLIENT_OPTIONS,
  );
  return new Promise((resolve, reject) => {
    client.List(
      {},
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response: V1Message) => {
        client.close();
        if (error !== null) reject(error);
        else
          resolve(
            Object.fromEntries(
              Object.entries(response['statuses'] as Record<string, { status: string }>).map(
                ([name, value]) => [name, value.status],
              ),
            ),
          );
      },
    );
  });
}

/** `grpc.health.v1.Health/Watch`: every status the server sends, as it arrives; `close()` cancels the stream. */
export function healthWatch(port: number, service: string): { statuses: string[]; close: () => void } {
  healthPackage ??= loadPackageDefinition(loadSync(HEALTH_PROTO, LOOSE));
  const client = new healthPackage.grpc.health.v1.Health(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
    CLIENT_OPTIONS,
  );
  const statuses: string[] = [];
  const call = client.Watch({ service }) as NodeJS.EventEmitter & { cancel: () => void };
  call.on('data', (response: V1Message) => statuses.push(response['status'] as string));
  call.on('error', () => undefined);
  return {
    statuses,
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

/** `grpc.reflection.v1.ServerReflection`: the names of the services the server lists. */
export function reflectionListServices(port: number, timeoutMs = 5_000): Promise<string[]> {
  return reflectionRequest(port, { list_services: '*' }, timeoutMs).then((response) =>
    ((response['list_services_response']?.['service'] ?? []) as { name: string }[]).map((s) => s.name),
  );
}

/** `grpc.reflection.v1.ServerReflection` (or v1alpha, which older grpcurl uses): one request, one response. */
export function reflectionRequest(
  port: number,
  request: V1Message,
  timeoutMs = 5_000,
  version: 'v1' | 'v1alpha' = 'v1',
): Promise<V1Message> {
  reflectionPackage ??= loadPackageDefinition(loadSync([REFLECTION_PROTO, REFLECTION_V1ALPHA_PROTO], LOOSE));
  const client = new reflectionPackage.grpc.reflection[version].ServerReflection(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
    CLIENT_OPTIONS,
  );
  const call = client.ServerReflectionInfo({ deadline: Date.now() + timeoutMs }) as ClientDuplexStream<
    V1Message,
    V1Message
  >;
  return new Promise<V1Message>((resolve, reject) => {
    let answered = false;
    call.on('data', (response: V1Message) => {
      if (answered) return;
      answered = true;
      resolve(response);
      call.end();
    });
    call.on('error', (error) => {
      if (!answered) reject(error);
    });
    call.on('status', () => {
      client.close();
    });
    call.write({ host: '', ...request });
  });
}

/**
 * A unary call with a hand-made request body (identity serializers), for requests no typed client would send.
 * Resolves with the response bytes; rejects with the ServiceError.
 */
export function rawUnaryCall(port: number, path: string, body: Buffer, timeoutMs = 5_000): Promise<Buffer> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), CLIENT_OPTIONS);
  const identity = (bytes: Buffer) => bytes;
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      body,
      { deadline: Date.now() + timeoutMs },
      (error, response) => {
        client.close();
        if (error !== null) reject(error);
        else resolve(response!);
      },
    );
  });
}
