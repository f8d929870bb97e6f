// The public surface of @org/connector-bigquery.
export { BigQueryConnector, BIGQUERY_TASK_TYPE } from './connector.js';
export type { BigQueryJobMeta, DryRunEstimate } from './meta.js';
export { bigQuerySpec, type BigQueryParams } from './spec.js';
export { consoleLink, bigQueryUri, RESULTS_OUTPUT } from './job-status.js';
export { sanitizeLabelValue } from './labels.js';
export type {
  QueryParameter,
  QueryParameterStructField,
  QueryParameterType,
  QueryParameterValue,
} from './query-parameters.js';
