import { defineSpec, type ParamSource } from '@org/connector-core';

/** Default bound of one batch API call (GetTask, CreateTask, DeleteTask), retries included: under Flyte's 10 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Retries of one request on 408/409/429/5xx and connection failures (the SDK's backoff honours retry-after). */
export const DEFAULT_MAX_RETRIES = 2;

/**
 * Where the API key comes from. Flyte 2 sends it per request in `connection.secrets`; Flyte 1 deployments mount
 * the secret flytekit's connector reads (`FLYTE_OPENAI_API_KEY`: env `_FSEC_FLYTE_OPENAI_API_KEY` or the file
 * `flyte_openai_api_key` in the secrets directory).
 */
const API_KEY_SOURCES: readonly ParamSource[] = [
  { from: 'connection.secret', key: 'openai_api_key' },
  { from: 'connection.secret', key: 'FLYTE_OPENAI_API_KEY' },
  { from: 'server-secret', key: 'FLYTE_OPENAI_API_KEY' },
];

function httpUrlProblem(value: unknown): string | undefined {
  return typeof value === 'string' && /^https?:\/\/[^\s/]+/.test(value)
    ? undefined
    : 'expected an http(s) URL such as https://host[:port]/v1';
}

/**
 * The parameters both OpenAI connectors share. The base URL comes only from the operator's environment, never from
 * the task: a task that could name the URL could make the service send the server's API key anywhere.
 */
const sharedParams = {
  openai_api_key: {
    type: 'string',
    description:
      'OpenAI API key (Flyte 2: connection secret openai_api_key; Flyte 1: secret FLYTE_OPENAI_API_KEY)',
    required: true,
    secret: true,
    sources: API_KEY_SOURCES,
  },
  openai_organization: {
    type: 'string',
    description: 'OpenAI organization id sent as the OpenAI-Organization header (task setting)',
    sources: [{ from: 'custom', path: 'openai_organization' }],
  },
  base_url: {
    type: 'string',
    description:
      'API root of an OpenAI-compatible gateway, e.g. https://gateway.example.com/v1 (operator setting; default https://api.openai.com/v1)',
    sources: [
      { from: 'env', name: 'FLYTE_OPENAI_BASE_URL' },
      { from: 'env', name: 'OPENAI_BASE_URL' },
    ],
    validate: httpUrlProblem,
  },
  max_retries: {
    type: 'integer',
    description: 'Retries of one OpenAI request on 429, 5xx and dropped connections, honouring retry-after',
    default: DEFAULT_MAX_RETRIES,
    sources: [{ from: 'env', name: 'FLYTE_OPENAI_MAX_RETRIES' }],
    validate: (value: unknown) =>
      typeof value === 'number' && value >= 0 ? undefined : 'expected zero or more retries',
  },
} as const;

export const chatSpec = defineSpec({
  description:
    'Sends the task input `message` to a chat model (task type chatgpt) and returns the first answer as `o0`.',
  params: {
    ...sharedParams,
    model: {
      type: 'string',
      description: 'Chat model, e.g. gpt-4o-mini (task setting chatgpt_config.model)',
      required: true,
      sources: [{ from: 'custom', path: 'chatgpt_config.model' }],
    },
  },
});

export type ChatParams = typeof chatSpec.params;

export const batchSpec = defineSpec({
  description:
    'Runs an OpenAI Batch (task type openai-batch) from an uploaded file id, inline requests or a JSONL file.',
  params: {
    ...sharedParams,
    request_timeout_ms: {
      type: 'integer',
      description: 'Timeout of one batch API call in milliseconds, retries included',
      default: DEFAULT_REQUEST_TIMEOUT_MS,
      sources: [{ from: 'env', name: 'FLYTE_OPENAI_TIMEOUT_MS' }],
      validate: (value: unknown) =>
        typeof value === 'number' && value > 0 ? undefined : 'expected a positive number of milliseconds',
    },
    local_files_root: {
      type: 'string',
      description:
        'Directory below which file:// inputs may be read and uploaded (operator setting; unset: file:// inputs are refused)',
      sources: [{ from: 'env', name: 'FLYTE_OPENAI_LOCAL_FILES_ROOT' }],
    },
  },
});

export type BatchParams = typeof batchSpec.params;
