import { defineSpec } from '@org/connector-core';
import { DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT_MS, TOKEN_SOURCES } from '../spec.js';

/** Rows of the result shown in custom_info by default. */
export const DEFAULT_PREVIEW_ROWS = 10;
/** Most rows a preview may be configured to show: custom_info is stored with every task event. */
export const MAX_PREVIEW_ROWS = 100;
/** How long a pooled session takes new statements before a fresh one is opened. */
export const DEFAULT_SESSION_MAX_AGE_MS = 30 * 60_000;
/** How long an unused pooled client (connection) is kept. */
export const DEFAULT_POOL_IDLE_MS = 10 * 60_000;

function positive(value: unknown): string | undefined {
  return typeof value === 'number' && value > 0 ? undefined : 'expected a positive number of milliseconds';
}

export const sqlSpec = defineSpec({
  description:
    'Runs a SQL statement on a Databricks SQL warehouse (task type databricks_sql) asynchronously over the HiveServer2 Thrift protocol; task inputs bind to its :name parameter markers.',
  params: {
    databricks_token: {
      type: 'string',
      description:
        'Databricks access token (Flyte 2: connection secret databricks_token; Flyte 1: secret or env FLYTE_DATABRICKS_ACCESS_TOKEN)',
      required: true,
      secret: true,
      sources: TOKEN_SOURCES,
    },
    server_hostname: {
      type: 'string',
      description:
        'Workspace host of the warehouse, e.g. dbc-1234.cloud.databricks.com[:port] (custom.server_hostname, else env FLYTE_DATABRICKS_INSTANCE)',
      required: true,
      sources: [
        { from: 'custom', path: 'server_hostname' },
        { from: 'env', name: 'FLYTE_DATABRICKS_INSTANCE' },
      ],
    },
    http_path: {
      type: 'string',
      description: 'HTTP path of the warehouse, e.g. /sql/1.0/warehouses/abc123 (custom.http_path)',
      sources: [{ from: 'custom', path: 'http_path' }],
    },
    warehouse_id: {
      type: 'string',
      description: 'Warehouse id, standing for the HTTP path /sql/1.0/warehouses/<id> (custom.warehouse_id)',
      sources: [{ from: 'custom', path: 'warehouse_id' }],
    },
    catalog: {
      type: 'string',
      description: 'Initial catalog of the session (custom.catalog)',
      sources: [{ from: 'custom', path: 'catalog' }],
    },
    schema: {
      type: 'string',
      description: 'Initial schema of the session (custom.schema)',
      sources: [{ from: 'custom', path: 'schema' }],
    },
    result_table: {
      type: 'string',
      description:
        'Table the result is written to (CREATE OR REPLACE TABLE ... AS <statement>); the results output names it (custom.result_table)',
      sources: [{ from: 'custom', path: 'result_table' }],
    },
    query_timeout_s: {
      type: 'integer',
      description:
        'Seconds after which the warehouse stops the statement (custom.query_timeout_s); none by default',
      sources: [{ from: 'custom', path: 'query_timeout_s' }],
      validate: (value) =>
        typeof value === 'number' && value > 0 ? undefined : 'expected a positive number of seconds',
    },
    allowed_instances: {
      type: 'string',
      description:
        'Comma-separated workspace hosts tasks may name (operator setting); unset: any. The token is sent to the named host',
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_ALLOWED_INSTANCES' }],
    },
    ca_cert: {
      type: 'string',
      description:
        'Extra CA certificate (PEM) trusted for the warehouse, e.g. of a TLS-inspecting proxy (operator setting)',
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_CA_CERT' }],
      validate: (value) =>
        typeof value === 'string' && value.includes('-----BEGIN CERTIFICATE-----')
          ? undefined
          : 'expected a PEM certificate',
    },
    preview_rows: {
      type: 'integer',
      description: `Result rows shown in custom_info, 0 for none (operator setting; at most ${MAX_PREVIEW_ROWS})`,
      default: DEFAULT_PREVIEW_ROWS,
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_SQL_PREVIEW_ROWS' }],
      validate: (value) =>
        typeof value === 'number' && value >= 0 && value <= MAX_PREVIEW_ROWS
          ? undefined
          : `expected 0 to ${MAX_PREVIEW_ROWS} rows`,
    },
    request_timeout_ms: {
      type: 'integer',
      description: 'Bound of one warehouse call in milliseconds, retries included (operator setting)',
      default: DEFAULT_REQUEST_TIMEOUT_MS,
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_TIMEOUT_MS' }],
      validate: positive,
    },
    max_retries: {
      type: 'integer',
      description:
        'Retries of one idempotent warehouse call (status, cancel, close) on 429, 5xx and dropped connections (operator setting)',
      default: DEFAULT_MAX_RETRIES,
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_MAX_RETRIES' }],
      validate: (value: unknown) =>
        typeof value === 'number' && value >= 0 ? undefined : 'expected zero or more retries',
    },
  },
});

export type SqlParams = typeof sqlSpec.params;
