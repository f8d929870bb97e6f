// The Databricks connector through the real service and core's protocol clients, in both families, against the
// local Jobs backend (test/support/jobs-backend.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENTRYPOINT_FILE, ENTRYPOINT_GIT_SOURCE } from '../src/index.js';
import { ARGS, CLASSIC_CONF, databricksTask, IMAGE } from './support/tasks.js';
import {
  createInput,
  failureOf,
  metaOf,
  phaseOf,
  SERVER_TOKEN,
  startEnvironment,
  submit,
  TENANT_TOKEN,
  type Environment,
  type Protocol,
} from './support/service.js';

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment();
});

afterAll(async () => {
  await env.stop();
});

afterEach(() => {
  env.backend.clearFaults();
});

function secretsFor(protocol: Protocol) {
  return protocol === 'v2' ? { databricks_token: TENANT_TOKEN } : undefined;
}

describe.each<Protocol>(['v1', 'v2'])('databricks over %s', (protocol) => {
  const token = protocol === 'v2' ? TENANT_TOKEN : SERVER_TOKEN;

  it('submits the flytekit runs/submit body and follows the run to SUCCEEDED', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(databricksTask(), secretsFor(protocol)));
    const meta = metaOf(task.resourceMeta);
    expect(Object.keys(meta).sort()).toEqual(['instance', 'runId']);
    expect(meta.instance).toBe(env.backend.url);

    const submitted = env.backend.logged('POST', '/api/2.1/jobs/runs/submit').at(-1)!;
    expect(submitted.authorization).toBe(`Bearer ${token}`);
    const body = JSON.parse(submitted.body) as Record<string, unknown>;
    expect(typeof body['idempotency_token']).toBe('string');
    expect(body).toEqual({
      ...CLASSIC_CONF,
      new_cluster: {
        ...CLASSIC_CONF.new_cluster,
        docker_image: { url: IMAGE },
        spark_conf: { 'spark.driver.memory': '1000M', 'spark.executor.instances': '2' },
        spark_env_vars: {
          TEAM: 'ml',
          FLYTE_INTERNAL_IMAGE: IMAGE,
          SPARK_LOCAL_IP: '127.0.0.1',
          FLYTE_FAIL_ON_ERROR: 'true',
        },
      },
      spark_python_task: { python_file: ENTRYPOINT_FILE, source: 'GIT', parameters: ARGS },
      git_source: ENTRYPOINT_GIT_SOURCE,
      idempotency_token: body['idempotency_token'],
    });

    const first = await client.get(task);
    expect(phaseOf(first)).toBe('INITIALIZING');
    env.backend.set(meta.runId, 'QUEUED');
    expect(phaseOf(await client.get(task))).toBe('WAITING_FOR_RESOURCES');
    env.backend.set(meta.runId, 'RUNNING', undefined, 'In run');
    const running = await client.get(task);
    expect(phaseOf(running)).toBe('RUNNING');
    expect(running.message).toContain('In run');
    env.backend.set(meta.runId, 'TERMINATED', 'SUCCESS');
    const done = await client.get(task);
    expect(phaseOf(done)).toBe('SUCCEEDED');
    expect(done.logLinks?.[0]?.name).toBe('Databricks Console');
    expect(done.logLinks?.[0]?.uri).toBe(`${env.backend.url}/#job/${meta.runId + 7}/run/${meta.runId}`);
    expect(done.outputs?.literals ?? []).toHaveLength(0);
  });

  it('surfaces the state message of a failed run', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(databricksTask(), secretsFor(protocol)));
    env.backend.set(
      metaOf(task.resourceMeta).runId,
      'TERMINATED',
      'FAILED',
      'Task hello_spark failed: ZeroDivisionError',
    );
    const failed = await client.get(task);
    expect(phaseOf(failed)).toBe('FAILED');
    expect(failed.message).toContain('ZeroDivisionError');
  });

  it('re-attaches a repeated CreateTask for the same attempt to the same run', async () => {
    const client = env.client(protocol);
    const input = createInput(databricksTask(), secretsFor(protocol));
    const before = env.backend.createdRuns.length;
    const a = await submit(client, input);
    const b = await submit(client, input);
    expect(metaOf(b.resourceMeta).runId).toBe(metaOf(a.resourceMeta).runId);
    expect(env.backend.createdRuns.length).toBe(before + 1);
  });

  it('cancels on delete; delete of a finished or unknown run succeeds', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(databricksTask(), secretsFor(protocol)));
    const { runId, instance } = metaOf(task.resourceMeta);
    await client.delete(task);
    expect(env.backend.cancelledRuns).toContain(runId);
    expect(JSON.parse(env.backend.logged('POST', '/api/2.1/jobs/runs/cancel').at(-1)!.body)).toEqual({
      run_id: runId,
    });
    expect(phaseOf(await client.get(task))).toBe('ABORTED');
    await client.delete(task);
    const unknown = new TextEncoder().encode(
      new TextDecoder().decode(task.resourceMeta).replace(String(runId), '999'),
    );
    await client.delete({ ...task, resourceMeta: unknown });
    expect(instance).toBe(env.backend.url);
  });

  it('keeps polling (RUNNING) through a 503 on GetTask that outlasts the retries', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(databricksTask(), secretsFor(protocol)));
    env.backend.inject('http-503', Number.POSITIVE_INFINITY);
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('RUNNING');
    expect(resource.message).toMatch(/503/);
  });

  it('runs the older Flyte 1 task type spark the same way', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(databricksTask({ type: 'spark' }), secretsFor(protocol)));
    env.backend.set(metaOf(task.resourceMeta).runId, 'TERMINATED', 'SUCCESS');
    expect(phaseOf(await client.get(task))).toBe('SUCCEEDED');
  });
});

describe('databricks details', () => {
  it('retries a 429 honouring Retry-After, and a 500 / a dropped connection, within the deadline', async () => {
    const client = env.client('v1');
    const before = env.backend.logged('POST', '/api/2.1/jobs/runs/submit').length;
    env.backend.inject({ status: 429, retryAfterSeconds: 0.3 });
    env.backend.inject('http-500');
    env.backend.inject('reset');
    const started = Date.now();
    const task = await submit(client, createInput(databricksTask()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(env.backend.logged('POST', '/api/2.1/jobs/runs/submit').length - before).toBe(4);
    expect(metaOf(task.resourceMeta).runId).toBeGreaterThan(0);
  });

  it('answers GetTask within the deadline when the backend hangs', async () => {
    const client = env.client('v1');
    const task = await submit(client, createInput(databricksTask()));
    env.backend.inject('timeout', Number.POSITIVE_INFINITY);
    const started = Date.now();
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('RUNNING');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports Databricks error bodies: a rejected submit is INVALID_ARGUMENT with its message', async () => {
    const error = await failureOf(
      submit(env.client('v2'), createInput(databricksTask(), { databricks_token: 'dapi-wrong-token-0000' })),
    );
    expect(error?.kind).toBe('UNAUTHENTICATED');
    expect(error?.message).toContain('Invalid access token');
    const missing = await failureOf(
      submit(env.client('v1'), createInput(databricksTask({ databricksConf: { run_name: 'x' } }))),
    );
    expect(missing?.kind).toBe('INVALID_ARGUMENT');
  });

  it('takes the instance from the task (bare host:port would be https; explicit http kept)', async () => {
    const task = await submit(env.client('v1'), createInput(databricksTask({ instance: env.backend.url })));
    expect(metaOf(task.resourceMeta).instance).toBe(env.backend.url);
  });

  it('keeps the token out of resource_meta and logs', async () => {
    const task = await submit(
      env.client('v2'),
      createInput(databricksTask(), { databricks_token: TENANT_TOKEN }),
    );
    await env.client('v2').get(task);
    const text = new TextDecoder().decode(task.resourceMeta);
    expect(text).not.toContain(TENANT_TOKEN);
    expect(text).not.toContain(SERVER_TOKEN);
    const logs = env.logs.join('\n');
    expect(logs).not.toContain(TENANT_TOKEN);
    expect(logs).not.toContain(SERVER_TOKEN);
  });
});

describe('allow-list', () => {
  let listed: Environment;
  beforeAll(async () => {
    listed = await startEnvironment(() => ({
      FLYTE_DATABRICKS_ALLOWED_INSTANCES: 'dbc-1.cloud.databricks.com, 127.0.0.1',
    }));
  });
  afterAll(async () => {
    await listed.stop();
  });

  it('accepts a listed workspace and refuses any other with INVALID_ARGUMENT, sending nothing', async () => {
    const ok = await submit(listed.client('v1'), createInput(databricksTask()));
    expect(metaOf(ok.resourceMeta).runId).toBeGreaterThan(0);
    const before = listed.backend.requests.length;
    const refused = await failureOf(
      submit(listed.client('v1'), createInput(databricksTask({ instance: 'attacker.example.com' }))),
    );
    expect(refused?.kind).toBe('INVALID_ARGUMENT');
    expect(refused?.message).toContain('FLYTE_DATABRICKS_ALLOWED_INSTANCES');
    // A forged resource_meta pointing elsewhere is refused too.
    const forged = new TextEncoder().encode(
      new TextDecoder().decode(ok.resourceMeta).replace(listed.backend.url, 'https://attacker.example.com'),
    );
    const get = await failureOf(listed.client('v1').get({ ...ok, resourceMeta: forged }));
    expect(get?.kind).toBe('INVALID_ARGUMENT');
    expect(listed.backend.requests.length).toBe(before);
  });
});
