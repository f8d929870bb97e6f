// The calls a Kubernetes probe and Flyte make, through grpc-js + proto-loader on the published .proto files:
// no code shared with the server in the image.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
const HEALTH_PROTO = join(
  dirname(require.resolve('grpc-health-check/package.json')),
  'proto/health/v1/health.proto',
);
const FLYTEIDL_PROTOS = join(dirname(require.resolve('@flyteorg/flyteidl/package.json')), 'protos');
const GOOGLE_PROTOS = dirname(require.resolve('google-proto-files/package.json'));
const OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [FLYTEIDL_PROTOS, GOOGLE_PROTOS],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- proto-loader builds clients at run time
type Loose = any;

interface UnaryClient {
  close(): void;
  [method: string]: unknown;
}

function unary<T>(client: UnaryClient, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    (client[method] as (...args: unknown[]) => void)(
      request,
      { deadline: Date.now() + 5_000 },
      (error: ServiceError | null, response: T) => {
        client.close();
        if (error !== null) reject(error);
        else resolve(response);
      },
    );
  });
}

/** `grpc.health.v1.Health/Check` for the whole server (service ""): `SERVING` when ready. */
export async function healthStatus(port: number): Promise<string> {
  const pkg = loadPackageDefinition(loadSync(HEALTH_PROTO, OPTIONS)) as Loose;
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, credentials.createInsecure());
  const response = await unary<{ status: string }>(client, 'Check', { service: '' });
  return response.status;
}

export interface ListedConnector {
  name: string;
  supported_task_categories: { name: string; version: number }[];
}

/** Flyte 1's `flyteidl.service.AgentMetadataService/ListAgents`, as propeller calls it. */
export async function listConnectors(port: number): Promise<ListedConnector[]> {
  const pkg = loadPackageDefinition(loadSync('flyteidl/service/agent.proto', OPTIONS)) as Loose;
  const client = new pkg.flyteidl.service.AgentMetadataService(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  );
  const response = await unary<{ agents: ListedConnector[] }>(client, 'ListAgents', {});
  return response.agents;
}
