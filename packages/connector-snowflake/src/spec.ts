import { defineSpec, type ParamSource } from '@org/connector-core';

/** Default bound of one Snowflake call (login, query submit, status read, cancel): under Flyte's 10 s deadline. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Retries of one driver request on 5xx / dropped connections (the driver's own retry loop). */
export const DEFAULT_MAX_RETRIES = 2;
/** How long a pooled (logged-in) connection is reused before a fresh login. */
export const DEFAULT_POOL_MAX_AGE_MS = 45 * 60_000;
/** How long an unused pooled connection is kept. */
export const DEFAULT_POOL_IDLE_MS = 10 * 60_000;

/** A connection field: Flyte 1 (flytekit) keeps it in `template.config`, Flyte 2 (flyte-sdk) in `custom`. */
function field(key: string): ParamSource[] {
  return [
    { from: 'config', key },
    { from: 'custom', path: key },
  ];
}

function positive(value: unknown): string | undefined {
  return typeof value === 'number' && value > 0 ? undefined : 'expected a positive number of milliseconds';
}

export const snowflakeSpec = defineSpec({
  description:
    'Runs a Snowflake SQL query asynchronously (task type snowflake) with key-pair authentication; the task inputs are bound to its %(name)s placeholders.',
  params: {
    account: {
      type: 'string',
      description: 'Account identifier, e.g. ORG-ACCOUNT (template.config.account / custom.account)',
      required: true,
      sources: field('account'),
    },
    user: {
      type: 'string',
      description: 'Snowflake user the key belongs to (template.config.user / custom.user)',
      required: true,
      sources: field('user'),
    },
    database: { type: 'string', description: 'Default database of the session', sources: field('database') },
    schema: { type: 'string', description: 'Default schema of the session', sources: field('schema') },
    warehouse: { type: 'string', description: 'Warehouse that runs the query', sources: field('warehouse') },
    role: {
      type: 'string',
      description: 'Role of the session (flyte-sdk connection_kwargs.role, or template.config.role)',
      sources: [
        { from: 'config', key: 'role' },
        { from: 'custom', path: 'connection_kwargs.role' },
        { from: 'custom', path: 'role' },
      ],
    },
    snowflake_private_key: {
      type: 'string',
      description:
        'PEM private key of the user (Flyte 2: connection secret snowflake_private_key; Flyte 1: server secret snowflake_private_key)',
      required: true,
      secret: true,
      sources: [
        { from: 'connection.secret', key: 'snowflake_private_key' },
        { from: 'server-secret', key: 'snowflake_private_key' },
      ],
      validate: (value) =>
        typeof value === 'string' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)
          ? undefined
          : 'expected a PEM private key (PKCS#8, encrypted PKCS#8 or PKCS#1)',
    },
    snowflake_private_key_passphrase: {
      type: 'string',
      description: 'Passphrase of an encrypted private key',
      secret: true,
      sources: [
        { from: 'connection.secret', key: 'snowflake_private_key_passphrase' },
        { from: 'server-secret', key: 'snowflake_private_key_passphrase' },
      ],
    },
    access_url: {
      type: 'string',
      description:
        'Snowflake endpoint override, e.g. https://myorg-myaccount.privatelink.snowflakecomputing.com (operator setting; default: the account URL)',
      sources: [{ from: 'env', name: 'FLYTE_SNOWFLAKE_ACCESS_URL' }],
      validate: (value) =>
        typeof value === 'string' && /^https?:\/\/[^\s/?#@]+\/?$/.test(value)
          ? undefined
          : 'expected an http(s) base URL such as https://host[:port]',
    },
    request_timeout_ms: {
      type: 'integer',
      description: 'Bound of one Snowflake call in milliseconds, retries included (operator setting)',
      default: DEFAULT_REQUEST_TIMEOUT_MS,
      sources: [{ from: 'env', name: 'FLYTE_SNOWFLAKE_TIMEOUT_MS' }],
      validate: positive,
    },
    max_retries: {
      type: 'integer',
      description: 'Retries of one driver request on 5xx and dropped connections (operator setting)',
      default: DEFAULT_MAX_RETRIES,
      sources: [{ from: 'env', name: 'FLYTE_SNOWFLAKE_MAX_RETRIES' }],
      validate: (value) =>
        typeof value === 'number' && value >= 0 ? undefined : 'expected zero or more retries',
    },
    pool_max_age_ms: {
      type: 'integer',
      description: 'How long a logged-in connection is reused before logging in again (operator setting)',
      default: DEFAULT_POOL_MAX_AGE_MS,
      sources: [{ from: 'env', name: 'FLYTE_SNOWFLAKE_POOL_MAX_AGE_MS' }],
      validate: positive,
    },
  },
});

export type SnowflakeParams = typeof snowflakeSpec.params;
