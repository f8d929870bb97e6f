import type { ConnectorClient, CallOptions, CreateTaskInput, TaskReference } from '../client/types.js';
import { createGrpcClient } from '../client/grpc-client.js';
import type { Connector } from '../connector.js';
import { createLogger } from '../logging.js';
import { TASK_PHASES, type TaskPhase } from '../phase.js';
import { ConnectorService, type ServiceHandle } from '../service/connector-service.js';

/** Options of {@link startTestService}. */
export interface TestServiceOptions {
  /** The connectors to serve. */
  readonly connectors: readonly Connector[];
  /** The service's environment (endpoints of local backends, `_FSEC_*` server secrets...). */
  readonly env?: NodeJS.ProcessEnv;
  /** Mounted server secrets; by default a directory that does not exist, so the machine's are never read. */
  readonly secretsDir?: string;
}

/** A connector service started by {@link startTestService}. */
export interface TestService {
  /** The running service (its port, its connectors). */
  readonly service: ServiceHandle;
  /** Every JSON log line the service wrote (debug level), for leak and behaviour checks. */
  readonly logs: string[];
  /** A gRPC client of one protocol family; closed by `stop()`. */
  client(protocol: 'v1' | 'v2'): ConnectorClient;
  /** Closes the clients and stops the service. */
  stop(): Promise<void>;
}

/**
 * What a deployment runs, for a connector package's tests: the connector service on a free loopback port (both
 * protocol families, no metrics port, no package discovery) serving the given connectors, with its logs captured.
 */
export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const logs: string[] = [];
  const service = await ConnectorService.run({
    port: 0,
    host: '127.0.0.1',
    prometheusPort: null,
    discover: false,
    connectors: options.connectors,
    env: options.env ?? {},
    secretsDir: options.secretsDir ?? '/nonexistent/flyte-connector-test-secrets',
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } }),
    gracePeriodMs: 1_000,
  });
  const clients: ConnectorClient[] = [];
  return {
    service,
    logs,
    client(protocol) {
      const client = createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.close();
      await service.stop();
    },
  };
}

/** CreateTask, returning what GetTask and DeleteTask need. */
export async function submitTask(
  client: ConnectorClient,
  input: CreateTaskInput,
  options?: CallOptions,
): Promise<TaskReference> {
  const resourceMeta = await client.create(input, options);
  return {
    category: { name: input.template.type, version: input.template.taskTypeVersion },
    resourceMeta,
    outputPrefix: input.outputPrefix,
    connection: input.connection,
  };
}

/** The phase name of a resource a client returned ('UNDEFINED' for 0 or an unknown number). */
export function phaseName(resource: { readonly phase: number }): TaskPhase | 'UNDEFINED' {
  return TASK_PHASES[resource.phase - 1] ?? 'UNDEFINED';
}
