// Wire compatibility with the real Python SDK: test/fixtures/python holds a @task(task_config=DatabricksV2(...)) as
// flytekit 1.16.31 (Flyte 1) serialized it (see generate.py). The template bytes are read with core's task-file
// reader and run through the service in both families against the local Jobs backend. The one change: the
// task's workspace (custom.databricksInstance) is pointed at that backend, since tests never leave loopback.
//
// What flytekit wrote: type "databricks", version 0; custom {databricksConf (the runs/submit body, its integers as
// Struct doubles: num_workers 2.0, timeout_seconds 3600.0), databricksInstance, sparkConf, executorPath,
// mainApplicationFile}; the container with flytekit's pyflyte-execute args and the image.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseLiteralMap, parseTaskFile, type TaskTemplate } from '@org/connector-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInput,
  metaOf,
  phaseOf,
  startEnvironment,
  submit,
  TENANT_TOKEN,
  type Environment,
  type Protocol,
} from './support/service.js';

const FIXTURES = new URL('./fixtures/python/', import.meta.url);
const IMAGE = 'ghcr.io/flyteorg/flytekit:py3.11-latest';

async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(fileURLToPath(new URL(name, FIXTURES))));
}

let env: Environment;
let template: TaskTemplate;
beforeAll(async () => {
  template = parseTaskFile(await fixture('databricks_task.pb'), 'databricks_task.pb').template;
  env = await startEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

describe('a DatabricksV2 task serialized by flytekit 1.16.31', () => {
  it('decodes to the template and inputs flytekit wrote', async () => {
    expect(template.type).toBe('databricks');
    expect(template.taskTypeVersion).toBe(0);
    expect(template.custom).toMatchObject({
      databricksInstance: 'dbc-fixture.cloud.databricks.com',
      sparkConf: { 'spark.driver.memory': '1000M', 'spark.executor.instances': '2' },
      databricksConf: {
        run_name: 'flytekit databricks fixture',
        new_cluster: { num_workers: 2, docker_image: { url: IMAGE } },
      },
    });
    expect(template.target.case === 'container' ? template.target.value.image : undefined).toBe(IMAGE);
    const inputs = parseLiteralMap(await fixture('databricks_inputs.pb'), 'databricks_inputs.pb');
    expect(inputs.map(({ name }) => name)).toEqual(['n']);
  });

  it.each<Protocol>(['v1', 'v2'])('runs unchanged to SUCCEEDED (%s)', async (protocol) => {
    const local: TaskTemplate = {
      ...template,
      custom: { ...template.custom, databricksInstance: env.backend.url },
    };
    const client = env.client(protocol);
    const task = await submit(
      client,
      createInput(local, protocol === 'v2' ? { databricks_token: TENANT_TOKEN } : undefined),
    );
    const submitted = env.backend.logged('POST', '/api/2.1/jobs/runs/submit').at(-1)!;
    const body = JSON.parse(submitted.body) as Record<string, Record<string, unknown>>;
    const args = template.target.case === 'container' ? template.target.value.args : [];
    expect(body).toMatchObject({
      run_name: 'flytekit databricks fixture',
      timeout_seconds: 3600,
      max_retries: 0,
      new_cluster: {
        spark_version: '13.3.x-scala2.12',
        num_workers: 2,
        docker_image: { url: IMAGE },
        spark_conf: { 'spark.driver.memory': '1000M', 'spark.executor.instances': '2' },
      },
      spark_python_task: { parameters: args },
    });
    expect(args).toContain('pyflyte-execute');
    expect(typeof body['idempotency_token']).toBe('string');

    const runId = metaOf(task.resourceMeta).runId;
    env.backend.set(runId, 'TERMINATED', 'SUCCESS');
    expect(phaseOf(await client.get(task))).toBe('SUCCEEDED');
  });
});

// The same kind of task as flyte-sdk 2.12.1 serializes it (generate_flyte2.py): `custom` adds `secrets`
// ({databricks_token: <the Flyte secret's name>}), which the Flyte 2 executor resolves and sends as
// connection.secrets.databricks_token; the container runs flyte-sdk's `a0` entrypoint.
describe('a Databricks task serialized by flyte-sdk 2.12.1', () => {
  const SDK_IMAGE = 'ghcr.io/flyteorg/flyte:py3.11-v2.12.1';
  let sdkTemplate: TaskTemplate;
  beforeAll(async () => {
    sdkTemplate = parseTaskFile(
      await fixture('databricks_flyte2_task.pb'),
      'databricks_flyte2_task.pb',
    ).template;
  });

  it('decodes to the template and inputs flyte-sdk wrote', async () => {
    expect(sdkTemplate.type).toBe('databricks');
    expect(sdkTemplate.custom).toMatchObject({
      databricksInstance: 'dbc-fixture.cloud.databricks.com',
      secrets: { databricks_token: 'databricks-token' },
      databricksConf: { run_name: 'flyte-sdk databricks fixture', new_cluster: { num_workers: 2 } },
    });
    expect(sdkTemplate.target.case === 'container' ? sdkTemplate.target.value.image : undefined).toBe(
      SDK_IMAGE,
    );
    const inputs = parseLiteralMap(
      await fixture('databricks_flyte2_inputs.pb'),
      'databricks_flyte2_inputs.pb',
    );
    expect(inputs.map(({ name }) => name)).toEqual(['n']);
  });

  it('runs unchanged over Flyte 2 with the token the executor sends; the secret name stays out of the run', async () => {
    const local: TaskTemplate = {
      ...sdkTemplate,
      custom: { ...sdkTemplate.custom, databricksInstance: env.backend.url },
    };
    const client = env.client('v2');
    const task = await submit(client, createInput(local, { databricks_token: TENANT_TOKEN }));
    const submitted = env.backend.logged('POST', '/api/2.1/jobs/runs/submit').at(-1)!;
    expect(submitted.authorization).toBe(`Bearer ${TENANT_TOKEN}`);
    expect(submitted.body).not.toContain('databricks-token');
    const body = JSON.parse(submitted.body) as Record<string, Record<string, unknown>>;
    const args = sdkTemplate.target.case === 'container' ? sdkTemplate.target.value.args : [];
    expect(body).toMatchObject({
      run_name: 'flyte-sdk databricks fixture',
      new_cluster: { num_workers: 2, docker_image: { url: SDK_IMAGE } },
      spark_python_task: { parameters: args },
    });
    env.backend.set(metaOf(task.resourceMeta).runId, 'TERMINATED', 'SUCCESS');
    expect(phaseOf(await client.get(task))).toBe('SUCCEEDED');
  });
});
