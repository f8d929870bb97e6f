// Starts what a deployment runs: the connector service (core's ConnectorService, gRPC on a free loopback port,
// both protocol families) serving the BigQuery connector, pointed at the local BigQuery backend, with a
// service-account key as a Flyte 1 server secret. Tests talk to it with core's protocol clients.
import {
  ConnectorService,
  createGrpcClient,
  createLogger,
  TASK_PHASES,
  type ConnectorClient,
  type CreateTaskInput,
  type ServiceHandle,
  type TaskPhase,
  type TaskReference,
} from '@org/connector-core';
import { BigQueryConnector } from '../../src/index.js';
import { BigQueryBackend, type BackendOptions } from '../backend/bigquery-backend.js';
import { makeServiceAccount, type TestServiceAccount } from '../backend/service-account.js';
import {
  bigQueryTemplate,
  executionMetadata,
  inputs,
  uniqueExecution,
  type BigQueryTaskSpec,
  type Literal,
} from './flyte.js';

export const GCP_PROJECT = 'test-project';
export const CATEGORY = { name: 'bigquery_query_job_task', version: 0 } as const;

export type Protocol = 'v1' | 'v2';
export type ResourceMessage = Awaited<ReturnType<ConnectorClient['get']>>;

export interface Environment {
  readonly backend: BigQueryBackend;
  readonly service: ServiceHandle;
  /** The key the service holds as a Flyte 1 server secret (`_FSEC_GOOGLE_APPLICATION_CREDENTIALS`). */
  readonly serverAccount: TestServiceAccount;
  /** A second key, sent per request in Flyte 2's `connection.secrets`. */
  readonly requestAccount: TestServiceAccount;
  /** JSON log lines the service wrote. */
  readonly logs: string[];
  client(protocol: Protocol): ConnectorClient;
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  readonly backend?: BackendOptions;
  /** Extra environment of the service (e.g. FLYTE_BIGQUERY_MAX_RETRIES). */
  readonly env?: Readonly<Record<string, string>>;
  /** Give the service the server-secret key. Default true. */
  readonly serverSecret?: boolean;
  /** Flyte 1 mounted-secrets directory (default: one that does not exist). */
  readonly secretsDir?: string;
}

export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const backend = await BigQueryBackend.start(options.backend);
  const [serverAccount, requestAccount] = await Promise.all([
    makeServiceAccount({ name: 'flyte-server', projectId: GCP_PROJECT, tokenUri: backend.tokenUri }),
    makeServiceAccount({ name: 'flyte-tenant', projectId: GCP_PROJECT, tokenUri: backend.tokenUri }),
  ]);
  backend.registerServiceAccount(serverAccount.email, serverAccount.publicKey);
  backend.registerServiceAccount(requestAccount.email, requestAccount.publicKey);
  const logs: string[] = [];
  const env: NodeJS.ProcessEnv = {
    METADATA_SERVER_DETECTION: 'none',
    FLYTE_BIGQUERY_ENDPOINT: backend.url,
    ...(options.serverSecret === false ? {} : { _FSEC_GOOGLE_APPLICATION_CREDENTIALS: serverAccount.json }),
    ...options.env,
  };
  const service = await ConnectorService.run({
    port: 0,
    host: '127.0.0.1',
    prometheusPort: null,
    discover: false,
    connectors: [new BigQueryConnector()],
    env,
    secretsDir: options.secretsDir ?? '/nonexistent/bigquery-connector-test-secrets',
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } }),
    gracePeriodMs: 1_000,
  });
  const clients: ConnectorClient[] = [];
  return {
    backend,
    service,
    serverAccount,
    requestAccount,
    logs,
    client(protocol) {
      const client = createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.close();
      await service.stop();
      await backend.close();
    },
  };
}

export interface SubmitOptions {
  readonly inputs?: Readonly<Record<string, Literal>>;
  readonly executionName?: string;
  readonly retryAttempt?: number;
  readonly nodeId?: string;
  /** Flyte 2 `connection.secrets` (ignored by the Flyte 1 client, as by Flyte 1 itself). */
  readonly secrets?: Readonly<Record<string, string>>;
}

export function createInput(spec: BigQueryTaskSpec, options: SubmitOptions = {}): CreateTaskInput {
  const executionName = options.executionName ?? uniqueExecution();
  return {
    template: bigQueryTemplate(spec),
    inputs: inputs(options.inputs ?? {}),
    outputPrefix: `s3://flyte-bucket/metadata/${executionName}/n0/0`,
    metadata: executionMetadata(executionName, {
      ...(options.retryAttempt === undefined ? {} : { retryAttempt: options.retryAttempt }),
      ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
      ...(spec.taskName === undefined ? {} : { taskName: spec.taskName }),
    }),
    ...(options.secrets === undefined
      ? {}
      : { connection: { secrets: { ...options.secrets }, configs: {} } }),
  };
}

/** CreateTask, returning what GetTask/DeleteTask need. */
export async function submit(
  client: ConnectorClient,
  spec: BigQueryTaskSpec,
  options: SubmitOptions = {},
): Promise<TaskReference> {
  const input = createInput(spec, options);
  const resourceMeta = await client.create(input);
  return { category: CATEGORY, resourceMeta, outputPrefix: input.outputPrefix, connection: input.connection };
}

export function phaseOf(resource: ResourceMessage): TaskPhase | 'UNDEFINED' {
  return TASK_PHASES[(resource.phase as number) - 1] ?? 'UNDEFINED';
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'ABORTED', 'RETRYABLE_FAILED']);

/** Polls GetTask like propeller until a terminal phase. */
export async function pollToEnd(
  client: ConnectorClient,
  task: TaskReference,
  timeoutMs = 10_000,
): Promise<ResourceMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const resource = await client.get(task);
    if (TERMINAL.has(phaseOf(resource))) return resource;
    if (Date.now() > deadline)
      throw new Error(`still ${phaseOf(resource)} after ${timeoutMs} ms: ${resource.message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The URI of a structured-dataset output (undefined when absent). */
export function datasetOutput(resource: ResourceMessage, name: string): string | undefined {
  const literal = resource.outputs?.literals.find((entry) => entry.name === name)?.value;
  if (literal?.value.case !== 'scalar') return undefined;
  const scalar = literal.value.value.value;
  return scalar.case === 'structuredDataset' ? scalar.value.uri : undefined;
}

/** The connector's metadata inside resource_meta (core's envelope is UTF-8 JSON `{"v":1,"meta":...}`). */
export function metaOf(resourceMeta: Uint8Array): Record<string, unknown> {
  const envelope = JSON.parse(new TextDecoder().decode(resourceMeta)) as { meta: Record<string, unknown> };
  return envelope.meta;
}

/** The query job configuration the backend received in the n-th jobs.insert (last by default). */
export function insertedConfiguration(backend: BigQueryBackend, index = -1): Record<string, unknown> {
  const inserts = backend.requestsFor('jobs.insert');
  const request = inserts.at(index);
  if (request === undefined) throw new Error('the backend received no jobs.insert');
  return (request.body as { configuration: Record<string, unknown> }).configuration;
}

export function insertedQuery(backend: BigQueryBackend, index = -1): Record<string, unknown> {
  return insertedConfiguration(backend, index)['query'] as Record<string, unknown>;
}
