// The chatgpt connector through the real service and core's protocol clients, in both families, against aimock.
import { runTask } from '@org/connector-core';
import { taskTemplate } from '@org/connector-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInput,
  startEnvironment,
  submit,
  TENANT_KEY,
  type Environment,
  type Protocol,
} from './support/service.js';

/** A chatgpt task laid out as flytekit's ChatGPTTask serializes it. */
function chatTemplate(outputType: 'STRING' | 'STRUCT' = 'STRING', model = 'gpt-4o-mini') {
  return taskTemplate({
    type: 'chatgpt',
    custom: {
      openai_organization: 'org-test',
      chatgpt_config: { model, temperature: 0.7 },
    },
    inputs: { message: 'STRING' },
    outputs: { o0: outputType },
  });
}

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({ FLYTE_OPENAI_MAX_RETRIES: '2' });
  env.mock.onMessage('What is Flyte?', {
    content: 'A workflow orchestrator.',
    usage: { prompt_tokens: 11, completion_tokens: 4 },
  });
  env.mock.onMessage('slow question', { content: 'too late' }, { chaos: { latencyMs: 2_000 } });
  env.mock.onMessage('give me json', { content: '{"answer": 42, "unit": "none"}' });
  env.mock.onMessage('give me prose', { content: 'Sure! The answer is 42.' });
  env.mock.onMessage('retry me', { content: 'made it' });
});

afterAll(async () => {
  await env.stop();
});

function chatBodies(): Record<string, unknown>[] {
  return env.proxy
    .requests('POST', '/v1/chat/completions')
    .filter((e) => e.status === 200)
    .map((e) => JSON.parse(e.body) as Record<string, unknown>);
}

describe.each<Protocol>(['v1', 'v2'])('chatgpt over %s', (protocol) => {
  it('sends one user message and returns the first choice as o0, with token usage', async () => {
    const result = await runTask({
      template: chatTemplate(),
      inputs: { message: 'What is Flyte?' },
      client: env.client(protocol),
      ...(protocol === 'v2' ? { secrets: { openai_api_key: TENANT_KEY } } : {}),
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(result.outputs).toEqual({ o0: 'A workflow orchestrator.' });
    expect(result.customInfo).toMatchObject({
      model: 'gpt-4o-mini',
      finishReason: 'stop',
      usage: { promptTokens: 11, completionTokens: 4, totalTokens: 15 },
    });
    const exchange = env.proxy.requests('POST', '/v1/chat/completions').at(-1)!;
    expect(JSON.parse(exchange.body)).toEqual({
      model: 'gpt-4o-mini',
      temperature: 0.7,
      messages: [{ role: 'user', content: 'What is Flyte?' }],
    });
  });
});

describe('chatgpt credentials and limits', () => {
  it('uses the per-request key on Flyte 2 and the server secret on Flyte 1', async () => {
    const keys: string[] = [];
    for (const protocol of ['v1', 'v2'] as const) {
      await runTask({
        template: chatTemplate(),
        inputs: { message: 'What is Flyte?' },
        client: env.client(protocol),
        ...(protocol === 'v2' ? { secrets: { openai_api_key: TENANT_KEY } } : {}),
        pollIntervalMs: 20,
      });
      const exchange = env.proxy.requests('POST', '/v1/chat/completions').at(-1)!;
      keys.push(exchange.authorization ?? '');
      expect(exchange.organization).toBe('org-test');
    }
    expect(keys).toEqual(['Bearer sk-server-CANARY-6d1f0a9e', `Bearer ${TENANT_KEY}`]);
  });

  it("aborts the OpenAI request when the caller's deadline passes", async () => {
    const started = Date.now();
    const failure = await env
      .client('v2')
      .create(createInput(chatTemplate(), { message: 'slow question' }, { openai_api_key: TENANT_KEY }), {
        timeoutMs: 500,
      })
      .then(
        () => undefined,
        (error: unknown) => error as { kind?: string },
      );
    expect(failure?.kind).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(1_500);
    // aimock answers after 2 s; the connector's HTTP request was closed long before that.
    await expect.poll(() => env.proxy.abandoned, { timeout: 1_000 }).toContain('/v1/chat/completions');
  });

  it('retries a 429 after the retry-after the server names, then succeeds', async () => {
    const before = env.proxy.exchanges.length;
    env.mock.nextRequestError(429, { message: 'Rate limit reached', type: 'rate_limit_error' });
    const started = Date.now();
    const result = await runTask({
      template: chatTemplate(),
      inputs: { message: 'retry me' },
      client: env.client('v1'),
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(result.outputs).toEqual({ o0: 'made it' });
    expect(env.proxy.exchanges.slice(before).map((e) => e.status)).toEqual([429, 200]);
    // aimock sends Retry-After: 1; the SDK's own first backoff would be at most 0.5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries a 500, then succeeds', async () => {
    const before = env.proxy.exchanges.length;
    env.mock.nextRequestError(500, { message: 'The server had an error' });
    const result = await runTask({
      template: chatTemplate(),
      inputs: { message: 'retry me' },
      client: env.client('v2'),
      secrets: { openai_api_key: TENANT_KEY },
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(env.proxy.exchanges.slice(before).map((e) => e.status)).toEqual([500, 200]);
  });

  it('fails with the API message when OpenAI rejects the request', async () => {
    env.mock.nextRequestError(400, {
      message: 'The model `nope` does not exist',
      type: 'invalid_request_error',
    });
    const result = await runTask({
      template: chatTemplate('STRING', 'nope'),
      inputs: { message: 'What is Flyte?' },
      client: env.client('v1'),
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('FAILED');
    expect(result.message).toContain('does not exist');
  });
});

describe('chatgpt structured output', () => {
  it('asks for a JSON object when o0 is a STRUCT and returns it parsed', async () => {
    const result = await runTask({
      template: chatTemplate('STRUCT'),
      inputs: { message: 'give me json' },
      client: env.client('v2'),
      secrets: { openai_api_key: TENANT_KEY },
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(result.outputs).toEqual({ o0: { answer: 42, unit: 'none' } });
    const body = chatBodies().at(-1)!;
    expect(body['response_format']).toEqual({ type: 'json_object' });
    expect(body['messages']).toEqual([
      { role: 'system', content: 'Answer with a single JSON object and nothing else.' },
      { role: 'user', content: 'give me json' },
    ]);
  });

  it('fails with a clear message when the answer is not JSON', async () => {
    for (const protocol of ['v1', 'v2'] as const) {
      const result = await runTask({
        template: chatTemplate('STRUCT'),
        inputs: { message: 'give me prose' },
        client: env.client(protocol),
        ...(protocol === 'v2' ? { secrets: { openai_api_key: TENANT_KEY } } : {}),
        pollIntervalMs: 20,
      });
      expect(result.phase).toBe('FAILED');
      expect(result.message).toMatch(/declared as a STRUCT, but the answer is not valid JSON/);
    }
  });

  it('refuses an o0 type it cannot fill before calling OpenAI', async () => {
    const before = env.proxy.exchanges.length;
    const template = taskTemplate({
      type: 'chatgpt',
      custom: { chatgpt_config: { model: 'gpt-4o-mini' } },
      inputs: { message: 'STRING' },
      outputs: { o0: 'INTEGER' },
    });
    const failure = await submit(env.client('v1'), createInput(template, { message: 'What is Flyte?' })).then(
      () => undefined,
      (error: unknown) => error as { kind?: string; message?: string },
    );
    expect(failure?.kind).toBe('INVALID_ARGUMENT');
    expect(failure?.message).toContain("Output 'o0'");
    expect(env.proxy.exchanges.length).toBe(before);
  });
});
