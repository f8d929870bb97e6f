// The module package.json declares under "flyte.connectors": the host imports it and calls connectors().
// Nothing registers itself at import.
import { defineConnectorPlugin } from '@org/connector-core';
import { SnowflakeConnector } from './connector.js';

export default defineConnectorPlugin({
  connectors: () => [new SnowflakeConnector()],
});
