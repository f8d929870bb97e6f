// The public surface of @org/connector-snowflake.
export { SnowflakeConnector, SNOWFLAKE_TASK_TYPE, normalizePem, queryTag } from './connector.js';
export type { QueryMeta } from './meta.js';
export { snowflakeSpec, type SnowflakeParams } from './spec.js';
export { queryResource, queryLink, resultsUri, RESULTS_OUTPUT, type QueryState } from './status.js';
export { bindStatement, bindValue, type BindValue, type BoundStatement } from './sql.js';
