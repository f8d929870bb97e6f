// Snowflake tasks as the Python SDKs serialize them. flytekit (Flyte 1) `SnowflakeTask`: connection fields in
// `template.config`, SQL in `template.sql.statement` with `%(name)s` placeholders. flyte-sdk (Flyte 2)
// `Snowflake`: the same fields in `custom`, plus `connection_kwargs`, `batch` and `secrets`.
import { taskTemplate, type VariableTypeSpec } from '@org/connector-core/testing';
import type { TaskTemplate } from '@org/connector-core';

export const ACCOUNT = 'MYORG-MYACCOUNT';
export const USER = 'FLYTE_SVC';
export const DATABASE = 'ANALYTICS';
export const SCHEMA = 'PUBLIC';
export const WAREHOUSE = 'COMPUTE_WH';

export const SQL =
  "SELECT * FROM orders WHERE region = %(region)s AND amount > %(min_amount)s AND qty < %(limit)s AND note LIKE '50%%'";

export const INPUTS: Readonly<Record<string, VariableTypeSpec>> = {
  region: 'STRING',
  min_amount: 'FLOAT',
  limit: 'INTEGER',
};

export interface TaskOptions {
  readonly sql?: string;
  readonly inputs?: Readonly<Record<string, VariableTypeSpec>>;
  /** Declare the `results` structured-dataset output (default true). */
  readonly results?: boolean;
  readonly user?: string;
  readonly custom?: Record<string, unknown>;
}

const CONNECTION = {
  user: USER,
  account: ACCOUNT,
  database: DATABASE,
  schema: SCHEMA,
  warehouse: WAREHOUSE,
};

/** flytekit's SnowflakeTask: connection fields in template.config. */
export function flytekitTask(options: TaskOptions = {}): TaskTemplate {
  return taskTemplate({
    type: 'snowflake',
    name: 'workflows.snowflake.select_orders',
    config: { ...CONNECTION, ...(options.user === undefined ? {} : { user: options.user }) },
    sql: options.sql ?? SQL,
    inputs: options.inputs ?? INPUTS,
    outputs: options.results === false ? {} : { results: 'STRUCTURED_DATASET' },
  });
}

/** flyte-sdk's Snowflake task: connection fields (and connection_kwargs, batch, secrets) in custom. */
export function flyteSdkTask(options: TaskOptions = {}): TaskTemplate {
  return taskTemplate({
    type: 'snowflake',
    name: 'snowflake_env.select_orders',
    custom: {
      ...CONNECTION,
      ...(options.user === undefined ? {} : { user: options.user }),
      connection_kwargs: { role: 'ANALYST' },
      batch: false,
      secrets: {
        snowflake_private_key: 'snowflake_private_key',
        snowflake_private_key_passphrase: 'snowflake_private_key_passphrase',
      },
      ...options.custom,
    },
    sql: options.sql ?? SQL,
    inputs: options.inputs ?? INPUTS,
    outputs: options.results === false ? {} : { results: 'STRUCTURED_DATASET' },
  });
}
