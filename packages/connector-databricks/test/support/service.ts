// Starts what a deployment runs: the connector service (core's ConnectorService on a free loopback port, both
// protocol families) serving the Databricks connector, with the local Jobs backend as the workspace and the token
// as a Flyte 1 server secret. Tests talk to it with core's protocol clients.
import {
  localExecutionMetadata,
  type ConnectorClient,
  type CreateTaskInput,
  type ServiceHandle,
  type TaskReference,
  type TaskTemplate,
} from '@org/connector-core';
import { phaseName, startTestService, submitTask } from '@org/connector-core/testing';
import { DatabricksJobsConnector } from '../../src/index.js';
import { JobsBackend } from './jobs-backend.js';

export const SERVER_TOKEN = 'dapi-server-CANARY-4e7b19c2';
export const TENANT_TOKEN = 'dapi-tenant-CANARY-b83f0d6a';

export type Protocol = 'v1' | 'v2';
export type ResourceMessage = Awaited<ReturnType<ConnectorClient['get']>>;

export interface Environment {
  readonly backend: JobsBackend;
  readonly service: ServiceHandle;
  readonly logs: string[];
  client(protocol: Protocol): ConnectorClient;
  stop(): Promise<void>;
}

export async function startEnvironment(
  env: (backend: JobsBackend) => Readonly<Record<string, string>> = () => ({}),
): Promise<Environment> {
  const backend = new JobsBackend();
  backend.tokens.add(SERVER_TOKEN);
  backend.tokens.add(TENANT_TOKEN);
  await backend.start();
  const test = await startTestService({
    connectors: [new DatabricksJobsConnector()],
    env: {
      FLYTE_DATABRICKS_INSTANCE: backend.url,
      _FSEC_FLYTE_DATABRICKS_ACCESS_TOKEN: SERVER_TOKEN,
      FLYTE_DATABRICKS_TIMEOUT_MS: '2000',
      ...env(backend),
    },
    secretsDir: '/nonexistent/databricks-connector-test-secrets',
  });
  return {
    backend,
    service: test.service,
    logs: test.logs,
    client: (protocol) => test.client(protocol),
    async stop() {
      await test.stop();
      await backend.stop();
    },
  };
}

let executions = 0;

/** CreateTaskInput for a template (Databricks tasks take no inputs through the connector: the job reads them). */
export function createInput(
  template: TaskTemplate,
  secrets?: Readonly<Record<string, string>>,
  executionName?: string,
): CreateTaskInput {
  executions += 1;
  const name = executionName ?? `db${process.pid}x${executions}`;
  return {
    template,
    inputs: [],
    outputPrefix: `s3://bucket/metadata/${name}/n0/0`,
    metadata: localExecutionMetadata(template, name),
    ...(secrets === undefined ? {} : { connection: { secrets: { ...secrets }, configs: {} } }),
  };
}

/** CreateTask, returning what GetTask/DeleteTask need. */
export function submit(client: ConnectorClient, input: CreateTaskInput): Promise<TaskReference> {
  return submitTask(client, input);
}

export const phaseOf = phaseName;

/** The connector's metadata inside resource_meta (core's envelope is UTF-8 JSON `{"v":1,"meta":...}`). */
export function metaOf(resourceMeta: Uint8Array): { instance: string; runId: number } {
  return (JSON.parse(new TextDecoder().decode(resourceMeta)) as { meta: { instance: string; runId: number } })
    .meta;
}

/** The error a failing call rejected with, as core's client reports it. */
export function failureOf(
  promise: Promise<unknown>,
): Promise<{ kind?: string; message?: string } | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => error as { kind?: string; message?: string },
  );
}
