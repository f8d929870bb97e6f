import { defineSpec } from '@org/connector-core';
import { credentialsProblem } from './credentials.js';

/**
 * Default bound of one BigQuery API call, retries included: below Flyte's 10 s GetTask deadline, so that a slow
 * backend is reported as "still running, BigQuery slow" instead of the call timing out.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Retries of one API request on 5xx/429/connection failures (the SDK's backoff); kept low for the same reason. */
export const DEFAULT_MAX_RETRIES = 2;

/** The connector's parameters and where each is read from (shown by `flyte-connect list`). */
export const bigQuerySpec = defineSpec({
  description:
    'Runs a BigQuery query job (task type bigquery_query_job_task) with the task inputs as named query parameters.',
  params: {
    project: {
      type: 'string',
      description: 'Google Cloud project that runs (and is billed for) the query job',
      required: true,
      sources: [{ from: 'custom', path: 'ProjectID' }],
    },
    location: {
      type: 'string',
      description:
        'BigQuery location of the job (e.g. US, EU, europe-west1); BigQuery infers it from the tables when absent',
      sources: [{ from: 'custom', path: 'Location' }],
    },
    google_application_credentials: {
      type: 'json',
      description:
        'Service-account key JSON; Application Default Credentials are used when no source has one',
      secret: true,
      sources: [
        { from: 'connection.secret', key: 'google_application_credentials' },
        { from: 'server-secret', key: 'google_application_credentials' },
      ],
      validate: credentialsProblem,
    },
    api_endpoint: {
      type: 'string',
      description:
        'BigQuery API root for private endpoints and tests, e.g. https://bigquery-myendpoint.p.googleapis.com (operator setting; BIGQUERY_EMULATOR_HOST, read by the SDK, takes precedence)',
      sources: [{ from: 'env', name: 'FLYTE_BIGQUERY_ENDPOINT' }],
      validate: (value) =>
        typeof value === 'string' && /^https?:\/\/[^\s/]+/.test(value)
          ? undefined
          : 'expected an http(s) URL such as https://host[:port]',
    },
    request_timeout_ms: {
      type: 'integer',
      description: 'Timeout of one BigQuery API call in milliseconds, the SDK retries included',
      default: DEFAULT_REQUEST_TIMEOUT_MS,
      sources: [{ from: 'env', name: 'FLYTE_BIGQUERY_TIMEOUT_MS' }],
      validate: (value) =>
        typeof value === 'number' && value > 0 ? undefined : 'expected a positive number of milliseconds',
    },
    max_retries: {
      type: 'integer',
      description:
        'Retries of one BigQuery API request on transient failures (5xx, 429, dropped connections)',
      default: DEFAULT_MAX_RETRIES,
      sources: [{ from: 'env', name: 'FLYTE_BIGQUERY_MAX_RETRIES' }],
      validate: (value) =>
        typeof value === 'number' && value >= 0 ? undefined : 'expected zero or more retries',
    },
  },
});

export type BigQueryParams = typeof bigQuerySpec.params;
