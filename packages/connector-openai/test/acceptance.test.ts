// Core's acceptance kit against both connectors, in both protocol families: the sync chat connector against aimock
// (the kit skips its job-driving checks), and the batch connector against aimock behind the test proxy, which holds
// each batch in the state the kit drives it to and injects the kit's transient faults.
import { LLMock } from '@copilotkit/aimock';
import {
  describeConnectorAcceptance,
  taskTemplate,
  type AcceptanceHarness,
} from '@org/connector-core/testing';
import { ChatGPTConnector, OpenAIBatchConnector } from '../src/index.js';
import { TestProxy } from './support/proxy.js';
import { LIST_OF_STRUCTS } from './support/types.js';

const SERVER_KEY = 'sk-kit-server-CANARY-51c0e8';
const TENANT_KEY = 'sk-kit-tenant-CANARY-a7d93f';

function chatHarness(): AcceptanceHarness {
  let mock: LLMock | undefined;
  const started = () => {
    if (mock === undefined) throw new Error('harness not started');
    return mock;
  };
  return {
    async start() {
      mock = new LLMock({ port: 0, host: '127.0.0.1' });
      await mock.start();
      mock.onMessage('Summarise the acceptance kit', { content: 'It checks connectors.' });
    },
    async stop() {
      await mock?.stop();
    },
    connector: () => new ChatGPTConnector(),
    env: () => ({ FLYTE_OPENAI_BASE_URL: `${started().url}/v1` }),
    serverSecrets: () => ({ flyte_openai_api_key: SERVER_KEY }),
    task: () => ({
      template: taskTemplate({
        type: 'chatgpt',
        custom: { openai_organization: 'org-kit', chatgpt_config: { model: 'gpt-4o-mini', temperature: 0 } },
        inputs: { message: 'STRING' },
        outputs: { o0: 'STRING' },
      }),
      inputs: { message: 'Summarise the acceptance kit' },
      connection: { secrets: { openai_api_key: TENANT_KEY } },
    }),
    canarySecrets: () => [SERVER_KEY, TENANT_KEY],
  };
}

function batchHarness(): AcceptanceHarness {
  let mock: LLMock | undefined;
  let proxy: TestProxy | undefined;
  const running = () => {
    if (proxy === undefined) throw new Error('harness not started');
    return proxy;
  };
  return {
    async start() {
      mock = new LLMock({ port: 0, host: '127.0.0.1' });
      await mock.start();
      proxy = await TestProxy.start(mock.url);
      // Batches stay as created (validating) until the kit drives them.
      proxy.holdNewBatches = true;
    },
    async stop() {
      await proxy?.close();
      await mock?.stop();
    },
    connector: () => new OpenAIBatchConnector(),
    env: () => ({
      FLYTE_OPENAI_BASE_URL: `${running().url}/v1`,
      // Well inside the kit's 10 s call deadline, and quick for the hanging-backend check.
      FLYTE_OPENAI_TIMEOUT_MS: '2000',
    }),
    serverSecrets: () => ({ flyte_openai_api_key: SERVER_KEY }),
    task: () => ({
      template: taskTemplate({
        type: 'openai-batch',
        custom: { openai_organization: 'org-kit', config: { completion_window: '24h' } },
        inputs: { requests: LIST_OF_STRUCTS },
        outputs: { result: 'STRUCT' },
      }),
      inputs: { requests: [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }] },
      connection: { secrets: { openai_api_key: TENANT_KEY } },
    }),
    canarySecrets: () => [SERVER_KEY, TENANT_KEY],
    jobs: {
      idOf: (meta) => (meta as { batchId: string }).batchId,
      unknownJobMeta: (meta) => ({ ...(meta as Record<string, string>), batchId: 'batch_never_created' }),
      run: (id) => running().hold(id, { status: 'in_progress' }),
      // Let aimock finish the batch for real: it writes the output file and the completed batch object.
      succeed: (id) => running().release(id),
      fail: (id, message) =>
        running().hold(id, {
          status: 'failed',
          errors: { object: 'list', data: [{ code: 'batch_failed', message, line: null, param: null }] },
        }),
      setUnknownState: (id) => running().hold(id, { status: 'paused_for_review' }),
      injectFault: (fault, count) => running().inject(fault, count),
      clearFaults: () => running().clearFaults(),
      createdJobs: () => running().createdBatches,
      cancelledJobs: () => running().cancelledBatches,
    },
  };
}

describeConnectorAcceptance({ name: 'ChatGPT connector acceptance', harness: chatHarness() });
describeConnectorAcceptance({ name: 'OpenAI batch connector acceptance', harness: batchHarness() });
