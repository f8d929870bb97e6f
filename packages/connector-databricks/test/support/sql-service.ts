// Starts what a deployment runs for SQL tasks: the connector service (both protocol families) serving the Databricks
// SQL connector, with the local HiveServer2 backend as the warehouse (its per-run CA trusted through
// FLYTE_DATABRICKS_CA_CERT) and the token as a Flyte 1 server secret.
import {
  inputsToLiterals,
  localExecutionMetadata,
  type ConnectorClient,
  type CreateTaskInput,
  type ServiceHandle,
  type TaskTemplate,
} from '@org/connector-core';
import { startTestService, taskTemplate, type VariableTypeSpec } from '@org/connector-core/testing';
import type { JsonObject } from '@bufbuild/protobuf';
import { DatabricksSqlConnector, type StatementMeta } from '../../src/index.js';
import { SqlBackend, WAREHOUSE_PATH } from './sql-backend.js';

export const SQL_SERVER_TOKEN = 'dapi-sql-server-CANARY-91d3f0a2';
export const SQL_TENANT_TOKEN = 'dapi-sql-tenant-CANARY-5c7e28b4';

export interface SqlEnvironment {
  readonly backend: SqlBackend;
  readonly service: ServiceHandle;
  readonly logs: string[];
  client(protocol: 'v1' | 'v2'): ConnectorClient;
  stop(): Promise<void>;
}

/** The service's environment for a backend: where the warehouse is, which CA to trust, the server's token. */
export function sqlServiceEnv(backend: SqlBackend): Record<string, string> {
  return {
    FLYTE_DATABRICKS_INSTANCE: backend.hostname,
    FLYTE_DATABRICKS_CA_CERT: backend.caCert,
    _FSEC_FLYTE_DATABRICKS_ACCESS_TOKEN: SQL_SERVER_TOKEN,
    FLYTE_DATABRICKS_TIMEOUT_MS: '2000',
  };
}

export async function startSqlEnvironment(
  env: (backend: SqlBackend) => Readonly<Record<string, string>> = () => ({}),
): Promise<SqlEnvironment> {
  const backend = new SqlBackend();
  backend.tokens.add(SQL_SERVER_TOKEN);
  backend.tokens.add(SQL_TENANT_TOKEN);
  await backend.start();
  const test = await startTestService({
    connectors: [new DatabricksSqlConnector()],
    env: { ...sqlServiceEnv(backend), ...env(backend) },
    secretsDir: '/nonexistent/databricks-sql-test-secrets',
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

export interface SqlTaskOptions {
  readonly sql?: string;
  readonly inputs?: Readonly<Record<string, VariableTypeSpec>>;
  readonly outputs?: Readonly<Record<string, VariableTypeSpec>>;
  readonly custom?: JsonObject;
}

/** A `databricks_sql` task: the statement, the warehouse in `custom`, declared inputs and outputs. */
export function sqlTask(options: SqlTaskOptions = {}): TaskTemplate {
  return taskTemplate({
    type: 'databricks_sql',
    name: 'workflows.reports.daily_orders',
    sql: options.sql ?? 'SELECT id, name FROM orders WHERE day = :day LIMIT :n',
    inputs: options.inputs ?? { day: 'STRING', n: 'INTEGER' },
    outputs: options.outputs ?? {},
    custom: {
      http_path: WAREHOUSE_PATH,
      catalog: 'main',
      schema: 'sales',
      ...options.custom,
    },
  });
}

let executions = 0;

/** CreateTaskInput for a template and its inputs as JS values (converted by the declared types). */
export function sqlInput(
  template: TaskTemplate,
  inputs: Readonly<Record<string, unknown>>,
  secrets?: Readonly<Record<string, string>>,
): CreateTaskInput {
  executions += 1;
  const name = `sql${process.pid}x${executions}`;
  return {
    template,
    inputs: inputsToLiterals(inputs, template),
    outputPrefix: `s3://bucket/metadata/${name}/n0/0`,
    metadata: localExecutionMetadata(template, name),
    ...(secrets === undefined ? {} : { connection: { secrets: { ...secrets }, configs: {} } }),
  };
}

/** The connector's metadata inside resource_meta (core's envelope is UTF-8 JSON `{"v":1,"meta":...}`). */
export function statementMetaOf(resourceMeta: Uint8Array): StatementMeta {
  return (JSON.parse(new TextDecoder().decode(resourceMeta)) as { meta: StatementMeta }).meta;
}
