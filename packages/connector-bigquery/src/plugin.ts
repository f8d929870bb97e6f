// The module package.json declares under "flyte.connectors": the host imports it and calls connectors().
// Nothing registers itself at import, and the vendor SDK is not loaded until a BigQuery task arrives.
import { defineConnectorPlugin } from '@org/connector-core';
import { BigQueryConnector } from './connector.js';

export default defineConnectorPlugin({ connectors: () => [new BigQueryConnector()] });
