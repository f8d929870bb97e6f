// The module package.json declares under "flyte.connectors": the host imports it and calls connectors().
// Nothing registers itself at import, and the OpenAI SDK is not loaded until an OpenAI task arrives.
import { defineConnectorPlugin } from '@org/connector-core';
import { OpenAIBatchConnector } from './batch.js';
import { ChatGPTConnector } from './chat.js';

export default defineConnectorPlugin({
  connectors: () => [new ChatGPTConnector(), new OpenAIBatchConnector()],
});
