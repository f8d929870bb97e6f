// Starts what a deployment runs: the connector service (core's ConnectorService on a free loopback port, both
// protocol families) serving the Snowflake connector, with the local Snowflake backend as the account endpoint
// and the key as a Flyte 1 server secret. Tests talk to it with core's protocol clients.
import {
  inputsToLiterals,
  localExecutionMetadata,
  type ConnectorClient,
  type CreateTaskInput,
  type ServiceHandle,
  type TaskReference,
  type TaskTemplate,
} from '@org/connector-core';
import { phaseName, startTestService, submitTask } from '@org/connector-core/testing';
import { SnowflakeConnector } from '../../src/index.js';
import { loadDriver } from '../../src/sdk.js';
import { encryptedKey, unencryptedKey, type TestKey } from './keys.js';
import { SnowflakeBackend } from './snowflake-backend.js';
import { USER } from './tasks.js';

export const PASSPHRASE = 'pass-CANARY-5d1e0a77';

export type Protocol = 'v1' | 'v2';
export type ResourceMessage = Awaited<ReturnType<ConnectorClient['get']>>;

export interface Environment {
  readonly backend: SnowflakeBackend;
  readonly service: ServiceHandle;
  readonly logs: string[];
  /** The server's key (Flyte 1 server secret), unencrypted. */
  readonly serverKey: TestKey;
  /** A tenant's key sent per request (Flyte 2 connection secret), encrypted with PASSPHRASE. */
  readonly tenantKey: TestKey;
  client(protocol: Protocol): ConnectorClient;
  /** Flyte 2 connection secrets (the tenant key); undefined for Flyte 1 (the server key). */
  secretsFor(protocol: Protocol): Record<string, string> | undefined;
  stop(): Promise<void>;
}

export async function startEnvironment(): Promise<Environment> {
  const backend = new SnowflakeBackend();
  const serverKey = unencryptedKey();
  const tenantKey = encryptedKey(PASSPHRASE);
  backend.registerUser(USER, serverKey.publicKeyPem);
  backend.registerUser(USER, tenantKey.publicKeyPem);
  await backend.start();
  // The connector loads snowflake-sdk (large) on first use, inside that call's 2 s bound; on a loaded machine the
  // load alone can take longer. Loading it here keeps the bound about the connector's calls.
  await loadDriver();
  const test = await startTestService({
    connectors: [new SnowflakeConnector()],
    env: {
      FLYTE_SNOWFLAKE_ACCESS_URL: backend.url,
      FLYTE_SNOWFLAKE_TIMEOUT_MS: '2000',
      FLYTE_SNOWFLAKE_MAX_RETRIES: '1',
      _FSEC_SNOWFLAKE_PRIVATE_KEY: serverKey.privateKeyPem,
    },
    secretsDir: '/nonexistent/snowflake-connector-test-secrets',
  });
  return {
    backend,
    service: test.service,
    logs: test.logs,
    serverKey,
    tenantKey,
    client: (protocol) => test.client(protocol),
    secretsFor(protocol) {
      return protocol === 'v2'
        ? { snowflake_private_key: tenantKey.privateKeyPem, snowflake_private_key_passphrase: PASSPHRASE }
        : undefined;
    },
    async stop() {
      await test.stop();
      await backend.stop();
    },
  };
}

let executions = 0;

export function createInput(
  template: TaskTemplate,
  inputs: Readonly<Record<string, unknown>>,
  secrets?: Readonly<Record<string, string>>,
): CreateTaskInput {
  executions += 1;
  const name = `sf${process.pid}x${executions}`;
  return {
    template,
    inputs: inputsToLiterals(inputs, template),
    outputPrefix: `s3://bucket/metadata/${name}/n0/0`,
    metadata: localExecutionMetadata(template, name),
    ...(secrets === undefined ? {} : { connection: { secrets: { ...secrets }, configs: {} } }),
  };
}

export function submit(client: ConnectorClient, input: CreateTaskInput): Promise<TaskReference> {
  return submitTask(client, input);
}

export const phaseOf = phaseName;

/** The connector's metadata inside resource_meta (core's envelope is UTF-8 JSON `{"v":1,"meta":...}`). */
export function metaOf(resourceMeta: Uint8Array): Record<string, unknown> & { query_id: string } {
  return (
    JSON.parse(new TextDecoder().decode(resourceMeta)) as {
      meta: Record<string, unknown> & { query_id: string };
    }
  ).meta;
}

/** The URI of a structured-dataset output (undefined when absent). */
export function datasetOutput(resource: ResourceMessage, name: string): string | undefined {
  const literal = resource.outputs?.literals.find((entry) => entry.name === name)?.value;
  if (literal?.value.case !== 'scalar') return undefined;
  const scalar = literal.value.value.value;
  return scalar.case === 'structuredDataset' ? scalar.value.uri : undefined;
}

export function failureOf(
  promise: Promise<unknown>,
): Promise<{ kind?: string; message?: string } | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => error as { kind?: string; message?: string },
  );
}
