// Wire compatibility with the real Flyte 2 SDK: test/fixtures/python holds a flyteplugins-snowflake `Snowflake`
// task and its inputs as flyte 2.12.1 serialized them (see generate_flyte2.py). flyte-sdk keeps the connection in
// `custom` (with `connection_kwargs.role`) and names the key's environment variables in `custom.secrets`. The
// task runs (1) through the service as the Flyte 2 executor sends it, the key in `connection.secrets`, and (2)
// through `flyte-connect run`, which reads the variables `custom.secrets` names, as flyte-sdk's local run does.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  localExecutionMetadata,
  parseLiteralMap,
  parseTaskFile,
  type CreateTaskInput,
  type TaskTemplate,
} from '@org/connector-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datasetOutput,
  metaOf,
  PASSPHRASE,
  phaseOf,
  startEnvironment,
  submit,
  type Environment,
} from './support/service.js';

const FIXTURES = new URL('./fixtures/python/', import.meta.url);
const TASK_FILE = fileURLToPath(new URL('snowflake_flyte2_task.pb', FIXTURES));
const CONNECTION = {
  account: 'MYORG-MYACCOUNT',
  database: 'SNOWFLAKE_SAMPLE_DATA',
  schema: 'TPCH_SF1000',
  user: 'FLYTE_SVC',
  warehouse: 'COMPUTE_WH',
};

let env: Environment;
let template: TaskTemplate;
let inputs: CreateTaskInput['inputs'];
beforeAll(async () => {
  const loaded = parseTaskFile(new Uint8Array(await readFile(TASK_FILE)), 'snowflake_flyte2_task.pb');
  template = loaded.template;
  const inputBytes = await readFile(fileURLToPath(new URL('snowflake_flyte2_inputs.pb', FIXTURES)));
  inputs = parseLiteralMap(new Uint8Array(inputBytes), 'snowflake_flyte2_inputs.pb');
  env = await startEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

describe('a Snowflake task serialized by flyte-sdk 2.12.1', () => {
  it('decodes to the template and inputs flyte-sdk wrote', () => {
    expect(template.type).toBe('snowflake');
    expect(template.custom).toEqual({
      ...CONNECTION,
      connection_kwargs: { role: 'ANALYST' },
      secrets: {
        snowflake_private_key: 'SF_PRIVATE_KEY',
        snowflake_private_key_passphrase: 'SF_PRIVATE_KEY_PASSPHRASE',
      },
    });
    expect(inputs.map(({ name }) => name).sort()).toEqual(['limit', 'name']);
  });

  it('runs unchanged as the Flyte 2 executor sends it, in Flyte 2 form', async () => {
    const client = env.client('v2');
    const task = await submit(client, {
      template,
      inputs,
      outputPrefix: 's3://bucket/metadata/sdk2/n0/0',
      metadata: localExecutionMetadata(template, `sfsdk${process.pid}`),
      connection: { secrets: env.secretsFor('v2')!, configs: {} },
    });
    const meta = metaOf(task.resourceMeta);
    const query = env.backend.queries.get(meta.query_id)!;
    expect(query.sqlText).toBe(
      "SELECT * FROM CUSTOMER WHERE C_NAME = ? AND C_COMMENT NOT LIKE '10%' LIMIT ?",
    );
    expect(query.bindings).toEqual({ '1': { type: 'TEXT', value: 'x' }, '2': { type: 'FIXED', value: '3' } });
    const { account, database, schema, warehouse } = CONNECTION;
    expect(query.session).toMatchObject({ account, database, schema, warehouse, role: 'ANALYST' });
    env.backend.set(meta.query_id, 'SUCCESS');
    const done = await client.get(task);
    expect(phaseOf(done)).toBe('SUCCEEDED');
    expect(datasetOutput(done, 'results')).toBe(
      `snowflake://${CONNECTION.user}/${account}/${warehouse}/${database}/${schema}/${meta.query_id}`,
    );
  });
});

describe('flyte-connect run with a flyte-sdk task', () => {
  const cli = join(
    dirname(createRequire(import.meta.url).resolve('@org/connector-core/package.json')),
    'dist/cli/main.js',
  );
  const plugin = fileURLToPath(new URL('../dist/plugin.js', import.meta.url));

  function run(extraEnv: Record<string, string>) {
    return promisify(execFile)(
      process.execPath,
      [cli, 'run', TASK_FILE, '--inputs', '{"name": "x", "limit": 3}', '--no-discover', '--modules', plugin],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
          FLYTE_SNOWFLAKE_ACCESS_URL: env.backend.url,
          // A fresh process: its first login also loads and warms the driver.
          FLYTE_SNOWFLAKE_TIMEOUT_MS: '15000',
          ...extraEnv,
        },
        timeout: 60_000,
      },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }),
    );
  }

  it('reads the key from the variables custom.secrets names, as flyte-sdk does locally', async () => {
    env.backend.initialStatus = 'SUCCESS';
    try {
      const failedLogins = env.backend.failedLogins;
      const result = await run({
        SF_PRIVATE_KEY: env.tenantKey.privateKeyPem,
        SF_PRIVATE_KEY_PASSPHRASE: PASSPHRASE,
      });
      expect(result.code, result.stderr).toBe(0);
      // SUCCEEDED needs a login, and the backend accepts only a JWT signed with a registered key.
      expect(env.backend.failedLogins).toBe(failedLogins);
      expect(result.stdout + result.stderr).toContain('SUCCEEDED');
      expect(result.stdout + result.stderr).not.toContain(PASSPHRASE);
    } finally {
      env.backend.initialStatus = 'QUEUED';
    }
  });

  it('without those variables, warns which are missing and fails naming the parameter', async () => {
    const result = await run({});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('SF_PRIVATE_KEY');
    expect(result.stderr).toContain('snowflake_private_key');
  });
});
