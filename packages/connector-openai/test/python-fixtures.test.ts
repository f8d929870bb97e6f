// Wire compatibility with the real Python SDK: test/fixtures/python holds a ChatGPTTask and a BatchEndpointTask
// with their inputs as flytekit 1.16.31 (Flyte 1) serialized them (see generate.py). (flyte-sdk 2.12.1 has no
// OpenAI connector task: its flyteplugins-openai is about agents.) The template bytes are read with core's
// task-file reader and run through the service in both families against aimock.
//
// What flytekit wrote: chatgpt — custom {openai_organization, chatgpt_config {model, temperature}}, input
// message: STRING, output o0: STRING; openai-batch — custom {openai_organization, config {...}}, input
// input_file_id: STRING, output result: STRUCT (annotated as msgpack); no container in either.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseLiteralMap, parseTaskFile, runTask, type TaskTemplate } from '@org/connector-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvironment, TENANT_KEY, type Environment, type Protocol } from './support/service.js';

const FIXTURES = new URL('./fixtures/python/', import.meta.url);

async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(fileURLToPath(new URL(name, FIXTURES))));
}
async function template(name: string): Promise<TaskTemplate> {
  const loaded = parseTaskFile(await fixture(name), name);
  expect(loaded.format).toBe('template-binary');
  return loaded.template;
}
const secretsFor = (protocol: Protocol) =>
  protocol === 'v2' ? { secrets: { openai_api_key: TENANT_KEY } } : {};

let env: Environment;
beforeAll(async () => {
  env = await startEnvironment();
  env.mock.onMessage('Say hello', { content: 'Hello!' });
});
afterAll(async () => {
  await env?.stop();
});

describe('a ChatGPTTask serialized by flytekit 1.16.31', () => {
  it('decodes to the template and inputs flytekit wrote', async () => {
    const chat = await template('chatgpt_task.pb');
    expect(chat.type).toBe('chatgpt');
    expect(chat.custom).toEqual({
      openai_organization: 'org-fixture',
      chatgpt_config: { model: 'gpt-4o-mini', temperature: 0.7 },
    });
    const inputs = parseLiteralMap(await fixture('chatgpt_inputs.pb'), 'chatgpt_inputs.pb');
    expect(inputs.map(({ name }) => name)).toEqual(['message']);
  });

  it.each<Protocol>(['v1', 'v2'])('runs unchanged to o0 (%s)', async (protocol) => {
    const chat = await template('chatgpt_task.pb');
    const before = env.proxy.requests('POST', '/v1/chat/completions').length;
    const result = await runTask({
      template: chat,
      inputs: { message: 'Say hello' },
      client: env.client(protocol),
      ...secretsFor(protocol),
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(result.outputs).toEqual({ o0: 'Hello!' });
    const sent = env.proxy.requests('POST', '/v1/chat/completions').slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body)).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.7,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    expect(sent[0]!.organization).toBe('org-fixture');
  });
});

describe('a BatchEndpointTask serialized by flytekit 1.16.31', () => {
  it('decodes to the template and inputs flytekit wrote', async () => {
    const batch = await template('batch_task.pb');
    expect(batch.type).toBe('openai-batch');
    expect(batch.custom).toEqual({
      openai_organization: 'org-fixture',
      config: { completion_window: '24h', endpoint: '/v1/chat/completions', metadata: { team: 'ml' } },
    });
    const inputs = parseLiteralMap(await fixture('batch_inputs.pb'), 'batch_inputs.pb');
    expect(inputs.map(({ name }) => name)).toEqual(['input_file_id']);
  });

  it.each<Protocol>(['v1', 'v2'])('runs unchanged to the batch in result (%s)', async (protocol) => {
    const batch = await template('batch_task.pb');
    // The fixture's file id names no file here; flytekit's upload task would have made a real one.
    const form = new FormData();
    form.append('purpose', 'batch');
    const line = {
      custom_id: 'a',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini' },
    };
    form.append('file', new Blob([JSON.stringify(line) + '\n']), 'in.jsonl');
    const upload = await fetch(`${env.mock.url}/v1/files`, { method: 'POST', body: form });
    const fileId = ((await upload.json()) as { id: string }).id;
    const result = await runTask({
      template: batch,
      inputs: { input_file_id: fileId },
      client: env.client(protocol),
      ...secretsFor(protocol),
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(result.outputs?.['result']).toMatchObject({
      object: 'batch',
      status: 'completed',
      input_file_id: fileId,
      metadata: { team: 'ml' },
    });
    expect(env.proxy.requests('POST', '/v1/batches').at(-1)!.organization).toBe('org-fixture');
  });
});
