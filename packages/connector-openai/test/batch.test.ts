// The openai-batch connector through the real service and core's protocol clients, in both families, against
// aimock's stateful Files + Batches (validating → in_progress → completed/failed/expired; cancelling → cancelled).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runTask } from '@org/connector-core';
import { taskTemplate, type VariableTypeSpec } from '@org/connector-core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createInput,
  metaOf,
  phaseOf,
  pollToEnd,
  SERVER_KEY,
  startEnvironment,
  submit,
  TENANT_KEY,
  type Environment,
  type Protocol,
  type ResourceMessage,
} from './support/service.js';
import { LIST_OF_STRUCTS } from './support/types.js';

/** An openai-batch task as flytekit's BatchEndpointTask serializes it (input_file_id → result). */
function batchTemplate(input: Record<string, VariableTypeSpec> = { input_file_id: 'STRING' }) {
  return taskTemplate({
    type: 'openai-batch',
    custom: { openai_organization: 'org-test', config: { metadata: { team: 'ml' } } },
    inputs: input,
    outputs: { result: 'STRUCT' },
  });
}

const REQUESTS = [
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one' }] },
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'two' }] },
];

let env: Environment;
let files: string;

beforeAll(async () => {
  files = await mkdtemp(join(tmpdir(), 'openai-batch-'));
  env = await startEnvironment({ FLYTE_OPENAI_LOCAL_FILES_ROOT: files, FLYTE_OPENAI_TIMEOUT_MS: '2000' });
});

afterAll(async () => {
  await env.stop();
});

afterEach(() => {
  env.proxy.batchOutcome = undefined;
  env.proxy.holdNewBatches = false;
});

function secretsFor(protocol: Protocol) {
  return protocol === 'v2' ? { openai_api_key: TENANT_KEY } : undefined;
}

/** A file uploaded beforehand, as flytekit's separate upload task does. */
async function uploadedFileId(): Promise<string> {
  const upload = await fetch(`${env.mock.url}/v1/files`, {
    method: 'POST',
    body: (() => {
      const form = new FormData();
      form.append('purpose', 'batch');
      const line = { custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: REQUESTS[0] };
      form.append('file', new Blob([JSON.stringify(line) + '\n']), 'in.jsonl');
      return form;
    })(),
  });
  return ((await upload.json()) as { id: string }).id;
}

describe.each<Protocol>(['v1', 'v2'])('openai-batch over %s', (protocol) => {
  it('runs a flytekit-style task from input_file_id to the batch object in result', async () => {
    const client = env.client(protocol);
    const fileId = await uploadedFileId();
    const task = await submit(
      client,
      createInput(batchTemplate(), { input_file_id: fileId }, secretsFor(protocol)),
    );
    const meta = metaOf(task.resourceMeta);
    expect(meta).toEqual({ batchId: expect.any(String), organization: 'org-test' });
    const seen: ResourceMessage[] = [];
    const final = await pollToEnd(client, task, seen);
    expect(seen.map(phaseOf)).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(seen[0]!.message).toMatch(/is in_progress \(0\/1 requests done, 0 failed\)/);
    expect(final.logLinks?.[0]?.uri).toBe(`https://platform.openai.com/batches/${String(meta['batchId'])}`);
    const created = JSON.parse(env.proxy.requests('POST', '/v1/batches').at(-1)!.body) as Record<
      string,
      unknown
    >;
    expect(created).toEqual({
      completion_window: '24h',
      endpoint: '/v1/chat/completions',
      metadata: { team: 'ml' },
      input_file_id: fileId,
    });
    expect(env.proxy.requests('POST', '/v1/batches').at(-1)!.organization).toBe('org-test');
    // A key may serve several organizations: polling must ask the one the batch was created in.
    const polls = env.proxy.requests('GET', `/v1/batches/${String(meta['batchId'])}`);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((poll) => poll.organization === 'org-test')).toBe(true);
  });

  it('uploads inline requests itself and returns the finished batch', async () => {
    const before = env.proxy.requests('POST', '/v1/files').length;
    const result = await runTask({
      template: batchTemplate({ requests: LIST_OF_STRUCTS }),
      inputs: { requests: REQUESTS },
      client: env.client(protocol),
      ...(protocol === 'v2' ? { secrets: { openai_api_key: TENANT_KEY } } : {}),
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    const batch = result.outputs?.['result'] as Record<string, unknown>;
    expect(batch).toMatchObject({
      object: 'batch',
      status: 'completed',
      request_counts: { total: 2, completed: 2 },
    });
    expect(typeof batch['output_file_id']).toBe('string');
    const uploads = env.proxy.requests('POST', '/v1/files').slice(before);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.body).toContain('name="purpose"');
    expect(uploads[0]!.body).toContain('"custom_id":"request-2"');
    expect(metaOf(result.resourceMeta!)['uploadedFileId']).toBe(JSON.parse(uploads[0]!.answer).id);
  });

  it.each([
    ['failed', 'FAILED', /failed: mock_failure: Mock batch failure/],
    ['expired', 'FAILED', /expired before it finished \(completion window 24h\)/],
    ['cancelled', 'ABORTED', /was cancelled/],
  ] as const)('maps a batch that ends %s to %s', async (outcome, phase, message) => {
    env.proxy.batchOutcome = outcome;
    const client = env.client(protocol);
    const task = await submit(
      client,
      createInput(batchTemplate({ requests: LIST_OF_STRUCTS }), { requests: REQUESTS }, secretsFor(protocol)),
    );
    const final = await pollToEnd(client, task);
    expect(phaseOf(final)).toBe(phase);
    expect(final.message).toMatch(message);
  });

  it('cancels a running batch on delete, and delete of a finished or unknown batch succeeds', async () => {
    const client = env.client(protocol);
    const task = await submit(
      client,
      createInput(batchTemplate({ requests: LIST_OF_STRUCTS }), { requests: REQUESTS }, secretsFor(protocol)),
    );
    const batchId = String(metaOf(task.resourceMeta)['batchId']);
    await client.delete(task);
    expect(env.proxy.cancelledBatches).toContain(batchId);
    const final = await pollToEnd(client, task);
    expect(phaseOf(final)).toBe('ABORTED');
    await client.delete(task); // aimock: 400 "Cannot cancel a batch with status cancelled."
    const unknown = new TextEncoder().encode(
      new TextDecoder().decode(task.resourceMeta).replace(batchId, 'batch_never_created'),
    );
    await client.delete({ ...task, resourceMeta: unknown }); // 404
  });
});

describe('openai-batch details', () => {
  it('keeps polling with a message naming a status it does not know', async () => {
    env.proxy.holdNewBatches = true;
    const client = env.client('v1');
    const task = await submit(
      client,
      createInput(batchTemplate({ requests: LIST_OF_STRUCTS }), { requests: REQUESTS }),
    );
    const batchId = String(metaOf(task.resourceMeta)['batchId']);
    expect(phaseOf(await client.get(task))).toBe('RUNNING');
    env.proxy.hold(batchId, { status: 'paused_for_review' });
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('RUNNING');
    expect(resource.message).toContain("'paused_for_review'");
    env.proxy.hold(batchId, { status: 'finalizing' });
    expect(phaseOf(await client.get(task))).toBe('RUNNING');
    await env.proxy.release(batchId);
    expect(phaseOf(await client.get(task))).toBe('SUCCEEDED');
  });

  it('uploads a JSONL file from file:// below the allowed directory, and refuses one outside it', async () => {
    const path = join(files, 'requests.jsonl');
    const line = { custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: REQUESTS[0] };
    await writeFile(path, JSON.stringify(line) + '\n');
    const template = batchTemplate({ input_file: 'FILE' });
    const result = await runTask({
      template,
      inputs: { input_file: pathToFileURL(path).href },
      client: env.client('v2'),
      secrets: { openai_api_key: TENANT_KEY },
      pollIntervalMs: 20,
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(env.proxy.requests('POST', '/v1/files').at(-1)!.body).toContain('"custom_id":"x"');

    const outside = await submit(
      env.client('v1'),
      createInput(template, { input_file: pathToFileURL('/etc/hostname').href }),
    ).then(
      () => undefined,
      (error: unknown) => error as { kind?: string; message?: string },
    );
    expect(outside?.kind).toBe('INVALID_ARGUMENT');
    expect(outside?.message).toContain('outside the directory');
  });

  it('downloads the results and errors into file outputs below the allowed directory', async () => {
    for (const protocol of ['v1', 'v2'] as const) {
      const prefix = join(files, `outputs-${protocol}`);
      const result = await runTask({
        template: taskTemplate({
          type: 'openai-batch',
          inputs: { requests: LIST_OF_STRUCTS },
          outputs: { result: 'STRUCT', results: 'FILE', errors: 'FILE' },
        }),
        inputs: { requests: REQUESTS },
        client: env.client(protocol),
        ...(protocol === 'v2' ? { secrets: { openai_api_key: TENANT_KEY } } : {}),
        outputPrefix: protocol === 'v1' ? pathToFileURL(prefix).href : prefix,
        pollIntervalMs: 20,
      });
      expect(result.phase).toBe('SUCCEEDED');
      const outputs = result.outputs as Record<string, { uri: string } & Record<string, unknown>>;
      expect(outputs['results']!.uri).toBe(pathToFileURL(join(prefix, 'results.jsonl')).href);
      const lines = (await readFile(fileURLToPath(outputs['results']!.uri), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { custom_id: string; response: { status_code: number } });
      expect(lines.map((line) => [line.custom_id, line.response.status_code])).toEqual([
        ['request-1', 200],
        ['request-2', 200],
      ]);
      // The batch had no failed request, so no error file: the declared output is an empty file.
      expect(await readFile(fileURLToPath(outputs['errors']!.uri), 'utf8')).toBe('');
      expect(outputs['result']!['output_file_id']).toEqual(expect.any(String));
    }
  });

  it('refuses file outputs it could not write before uploading or starting anything', async () => {
    const template = taskTemplate({
      type: 'openai-batch',
      inputs: { requests: LIST_OF_STRUCTS },
      outputs: { results: 'FILE' },
    });
    const uploads = env.proxy.requests('POST', '/v1/files').length;
    const batches = env.proxy.requests('POST', '/v1/batches').length;
    const refused = async (outputPrefix: string) =>
      submit(env.client('v1'), { ...createInput(template, { requests: REQUESTS }), outputPrefix }).then(
        () => undefined,
        (error: unknown) => error as { kind?: string; message?: string },
      );
    const remote = await refused('s3://bucket/run/n0/0');
    expect(remote?.kind).toBe('INVALID_ARGUMENT');
    expect(remote?.message).toContain("file output 'results'");
    expect(remote?.message).toContain('s3://bucket/run/n0/0');
    const outside = await refused(pathToFileURL(join(tmpdir(), 'not-allowed', 'n0')).href);
    expect(outside?.kind).toBe('INVALID_ARGUMENT');
    expect(outside?.message).toContain('outside the directory');
    const escape = await refused(pathToFileURL(join(files, '..', 'escaped')).href);
    expect(escape?.message).toContain('outside the directory');
    expect(env.proxy.requests('POST', '/v1/files')).toHaveLength(uploads);
    expect(env.proxy.requests('POST', '/v1/batches')).toHaveLength(batches);
  });

  it('refuses a task with none or several of the request inputs', async () => {
    const template = batchTemplate({ input_file_id: 'STRING', requests: LIST_OF_STRUCTS });
    const both = await submit(
      env.client('v1'),
      createInput(template, { input_file_id: 'file-1', requests: REQUESTS }),
    ).then(
      () => undefined,
      (error: unknown) => error as { kind?: string; message?: string },
    );
    expect(both?.kind).toBe('INVALID_ARGUMENT');
    expect(both?.message).toContain('exactly one of the inputs');
  });

  it('keeps the API key out of resource_meta and logs', async () => {
    const task = await submit(
      env.client('v2'),
      createInput(
        batchTemplate({ requests: LIST_OF_STRUCTS }),
        { requests: REQUESTS },
        { openai_api_key: TENANT_KEY },
      ),
    );
    const text = new TextDecoder().decode(task.resourceMeta);
    expect(text).not.toContain(TENANT_KEY);
    expect(env.logs.join('\n')).not.toContain(TENANT_KEY);
    expect(env.logs.join('\n')).not.toContain(SERVER_KEY);
  });
});
