import { defineSpec, type ParamSource } from '@org/connector-core';

/** Default bound of one Jobs API call (GetTask, CreateTask, DeleteTask), retries included: under Flyte's 10 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Retries of one request on 429, 5xx and dropped connections (Retry-After honoured within the deadline). */
export const DEFAULT_MAX_RETRIES = 3;

/**
 * Where the access token comes from. Flyte 2 sends it per request in `connection.secrets.databricks_token`; Flyte 1
 * deployments mount the secret flytekit's connector reads (`FLYTE_DATABRICKS_ACCESS_TOKEN`: env
 * `_FSEC_FLYTE_DATABRICKS_ACCESS_TOKEN` or the file `flyte_databricks_access_token` in the secrets directory), or
 * set it as a plain environment variable of the service.
 */
export const TOKEN_SOURCES: readonly ParamSource[] = [
  { from: 'connection.secret', key: 'databricks_token' },
  { from: 'server-secret', key: 'FLYTE_DATABRICKS_ACCESS_TOKEN' },
  { from: 'env', name: 'FLYTE_DATABRICKS_ACCESS_TOKEN' },
];

function positive(value: unknown): string | undefined {
  return typeof value === 'number' && value > 0 ? undefined : 'expected a positive number of milliseconds';
}

export const jobsSpec = defineSpec({
  description:
    'Runs a Flyte Spark task as a one-time Databricks Jobs run (task types databricks and spark): runs/submit, runs/get, runs/cancel.',
  params: {
    databricks_token: {
      type: 'string',
      description:
        'Databricks access token (Flyte 2: connection secret databricks_token; Flyte 1: secret or env FLYTE_DATABRICKS_ACCESS_TOKEN)',
      required: true,
      secret: true,
      sources: TOKEN_SOURCES,
    },
    databricks_instance: {
      type: 'string',
      description:
        'Workspace host, e.g. dbc-1234.cloud.databricks.com (task setting databricksInstance, else env FLYTE_DATABRICKS_INSTANCE); https unless a scheme is given',
      required: true,
      sources: [
        { from: 'custom', path: 'databricksInstance' },
        { from: 'env', name: 'FLYTE_DATABRICKS_INSTANCE' },
      ],
    },
    allowed_instances: {
      type: 'string',
      description:
        'Comma-separated workspace hosts tasks may name (operator setting); unset: any. The token is sent to the named host',
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_ALLOWED_INSTANCES' }],
    },
    request_timeout_ms: {
      type: 'integer',
      description: 'Bound of one Jobs API call in milliseconds, retries included (operator setting)',
      default: DEFAULT_REQUEST_TIMEOUT_MS,
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_TIMEOUT_MS' }],
      validate: positive,
    },
    max_retries: {
      type: 'integer',
      description: 'Retries of one Jobs API request on 429, 5xx and dropped connections (operator setting)',
      default: DEFAULT_MAX_RETRIES,
      sources: [{ from: 'env', name: 'FLYTE_DATABRICKS_MAX_RETRIES' }],
      validate: (value: unknown) =>
        typeof value === 'number' && value >= 0 ? undefined : 'expected zero or more retries',
    },
  },
});

export type JobsParams = typeof jobsSpec.params;
