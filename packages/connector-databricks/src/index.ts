// The public surface of @org/connector-databricks.
export {
  DatabricksJobsConnector,
  DATABRICKS_TASK_TYPE,
  SPARK_TASK_TYPE,
  SUBMIT_PATH,
  GET_PATH,
  CANCEL_PATH,
} from './connector.js';
export {
  submitBody,
  ENTRYPOINT_FILE,
  ENTRYPOINT_GIT_SOURCE,
  FAIL_ON_ERROR_ENV,
  type RunKind,
} from './job-spec.js';
export { runResource, consoleLink, type RunState } from './run-state.js';
export { instanceUrl, checkAllowed } from './instance.js';
export type { RunMeta } from './meta.js';
export { jobsSpec, type JobsParams } from './spec.js';
export { DatabricksSqlConnector, DATABRICKS_SQL_TASK_TYPE } from './sql-connector.js';
export { sqlSpec, type SqlParams } from './sql/spec.js';
export type { StatementMeta } from './sql/meta.js';
export { parameterMarkers, namedParameters, type NamedParameter } from './sql/parameters.js';
export {
  statementResource,
  queryHistoryLink,
  resultTableUri,
  RESULTS_OUTPUT,
  type Preview,
  type PreviewOutcome,
} from './sql/statement-state.js';
