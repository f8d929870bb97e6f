// The module package.json declares under "flyte.connectors": the host imports it and calls connectors().
// Nothing registers itself at import.
import { defineConnectorPlugin } from '@org/connector-core';
import { DatabricksJobsConnector } from './connector.js';
import { DatabricksSqlConnector } from './sql-connector.js';

export default defineConnectorPlugin({
  connectors: () => [new DatabricksJobsConnector(), new DatabricksSqlConnector()],
});
