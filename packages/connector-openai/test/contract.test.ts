// Every kind of request the connectors send, checked against OpenAI's published API description by steady: a
// request the real API would reject (wrong field, wrong multipart shape, wrong path) fails here with its 400.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConnectorService,
  createGrpcClient,
  createLogger,
  runTask,
  type ConnectorClient,
  type ServiceHandle,
} from '@org/connector-core';
import { taskTemplate } from '@org/connector-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatGPTConnector, OpenAIBatchConnector } from '../src/index.js';
import { TestProxy } from './support/proxy.js';
import { createInput, metaOf, phaseOf, submit } from './support/service.js';
import { OPENAI_SPEC, startSteady, steadyBinary, type Steady } from './support/steady.js';
import { LIST_OF_STRUCTS } from './support/types.js';

const KEY = 'sk-contract-test-key';
const files = mkdtempSync(join(tmpdir(), 'openai-contract-'));
const binary = steadyBinary();
const skipReason = !existsSync(OPENAI_SPEC)
  ? `the API description ${OPENAI_SPEC} is missing`
  : binary === undefined
    ? 'the steady binary (@stdy/cli) is not installed'
    : undefined;

describe.skipIf(skipReason !== undefined)(
  `requests conform to OpenAI's API description${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let steady: Steady;
    let proxy: TestProxy;
    let service: ServiceHandle;
    let client: ConnectorClient;

    beforeAll(async () => {
      steady = await startSteady(binary!, OPENAI_SPEC);
      proxy = await TestProxy.start(steady.url);
      service = await ConnectorService.run({
        port: 0,
        host: '127.0.0.1',
        prometheusPort: null,
        discover: false,
        connectors: [new ChatGPTConnector(), new OpenAIBatchConnector()],
        // No retries: a rejected request must show as the 400 it got, once.
        // The description's paths are relative to its server (https://api.openai.com/v1): steady serves them at /.
        env: {
          FLYTE_OPENAI_BASE_URL: proxy.url,
          FLYTE_OPENAI_MAX_RETRIES: '0',
          FLYTE_OPENAI_LOCAL_FILES_ROOT: files,
        },
        secretsDir: '/nonexistent/openai-connector-test-secrets',
        logger: createLogger({ level: 'warn', destination: { write: () => undefined } }),
        gracePeriodMs: 1_000,
      });
      client = createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol: 'v2' });
    }, 60_000);

    afterAll(async () => {
      client?.close();
      await service?.stop();
      await proxy?.close();
      await steady?.stop();
    });

    function rejected(): string[] {
      return proxy.exchanges
        .filter((e) => e.status >= 400)
        .map((e) => `${e.method} ${e.path} ${e.status}: ${e.answer}`);
    }

    it('chat.completions.create, plain and with a JSON response format', async () => {
      for (const o0 of ['STRING', 'STRUCT'] as const) {
        await runTask({
          template: taskTemplate({
            type: 'chatgpt',
            custom: {
              openai_organization: 'org-1',
              chatgpt_config: { model: 'gpt-4o-mini', temperature: 0.2 },
            },
            inputs: { message: 'STRING' },
            outputs: { o0 },
          }),
          inputs: { message: 'Hello' },
          client,
          secrets: { openai_api_key: KEY },
          pollIntervalMs: 20,
        });
      }
      expect(rejected()).toEqual([]);
      expect(proxy.requests('POST', '/chat/completions').map((e) => e.status)).toEqual([200, 200]);
    });

    it('files.create, batches.create, batches.retrieve and batches.cancel', async () => {
      const template = taskTemplate({
        type: 'openai-batch',
        custom: { config: { metadata: { team: 'ml' } } },
        inputs: { requests: LIST_OF_STRUCTS },
        outputs: { result: 'STRUCT' },
      });
      const input = createInput(
        template,
        { requests: [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }] },
        { openai_api_key: KEY },
      );
      const task = await submit(client, input);
      await client.get(task);
      await client.delete(task);
      expect(rejected()).toEqual([]);
      const seen = proxy.exchanges.map(
        (e) => `${e.method} ${e.path.replace(/\/batches\/[^/]+/, '/batches/{id}')}`,
      );
      expect(seen).toEqual(
        expect.arrayContaining([
          'POST /files',
          'POST /batches',
          'GET /batches/{id}',
          'POST /batches/{id}/cancel',
        ]),
      );
    });

    it("files.content, downloading a completed batch's files into file outputs", async () => {
      const template = taskTemplate({
        type: 'openai-batch',
        custom: {},
        inputs: { input_file_id: 'STRING' },
        outputs: { results: 'FILE', errors: 'FILE' },
      });
      const input = {
        ...createInput(template, { input_file_id: 'file-abc' }, { openai_api_key: KEY }),
        outputPrefix: join(files, 'outputs'),
      };
      const task = await submit(client, input);
      const batchId = String(metaOf(task.resourceMeta)['batchId']);
      // steady answers with schema-valid batches in no particular status: the proxy reports this one completed.
      proxy.hold(batchId, {
        object: 'batch',
        endpoint: '/v1/chat/completions',
        input_file_id: 'file-abc',
        completion_window: '24h',
        created_at: 1,
        status: 'completed',
        output_file_id: 'file-out',
        error_file_id: 'file-err',
      });
      const before = proxy.exchanges.length;
      expect(phaseOf(await client.get(task))).toBe('SUCCEEDED');
      expect(rejected()).toEqual([]);
      expect(proxy.exchanges.slice(before).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
        `GET /batches/${batchId} 200`,
        'GET /files/file-out/content 200',
        'GET /files/file-err/content 200',
      ]);
    });

    it('is a real check: a request the description forbids is rejected with 400', async () => {
      const before = proxy.exchanges.length;
      const template = taskTemplate({
        type: 'openai-batch',
        custom: { config: { completion_window: '7d' } }, // the API accepts only 24h
        inputs: { input_file_id: 'STRING' },
        outputs: { result: 'STRUCT' },
      });
      const failure = await submit(
        client,
        createInput(template, { input_file_id: 'file-abc' }, { openai_api_key: KEY }),
      ).then(
        () => undefined,
        (error: unknown) => error as { kind?: string },
      );
      expect(failure?.kind).toBe('INVALID_ARGUMENT');
      expect(proxy.exchanges.slice(before).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
        'POST /batches 400',
      ]);
    });
  },
);
