// The public surface of @org/connector-openai.
export { ChatGPTConnector, CHATGPT_TASK_TYPE, CHAT_INPUT } from './chat.js';
export { OpenAIBatchConnector, OPENAI_BATCH_TASK_TYPE } from './batch.js';
export { FILE_ID_INPUT, FILE_INPUT, REQUESTS_INPUT } from './batch-input.js';
export { RESULT_OUTPUT, dashboardLink } from './batch-status.js';
export { CHAT_OUTPUT } from './structured-output.js';
export type { BatchMeta } from './meta.js';
export { batchSpec, chatSpec, type BatchParams, type ChatParams } from './spec.js';
