// The Snowflake connector through the real service (core's ConnectorService and gRPC clients), Flyte 1 and Flyte 2,
// against the local Snowflake backend driven by snowflake-sdk itself.
import type { LiteralType } from '@org/connector-core';
import { literalType } from '@org/connector-core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, DATABASE, flyteSdkTask, flytekitTask, SCHEMA, USER, WAREHOUSE } from './support/tasks.js';
import {
  createInput,
  datasetOutput,
  failureOf,
  metaOf,
  PASSPHRASE,
  phaseOf,
  startEnvironment,
  submit,
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

const INPUT_VALUES = { region: 'emea', min_amount: 12.5, limit: 10n };

describe.each<Protocol>(['v1', 'v2'])('snowflake over %s', (protocol) => {
  const taskFor = () => (protocol === 'v1' ? flytekitTask() : flyteSdkTask());

  it('submits asynchronously with binds and a query tag, and follows the query to SUCCEEDED with results', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(taskFor(), INPUT_VALUES, env.secretsFor(protocol)));
    const meta = metaOf(task.resourceMeta);
    expect(meta).toEqual({
      account: ACCOUNT,
      user: USER,
      database: DATABASE,
      schema: SCHEMA,
      warehouse: WAREHOUSE,
      ...(protocol === 'v2' ? { role: 'ANALYST' } : {}),
      query_id: meta.query_id,
      has_output: true,
    });
    const query = env.backend.queries.get(meta.query_id)!;
    expect(query.sqlText).toBe(
      "SELECT * FROM orders WHERE region = ? AND amount > ? AND qty < ? AND note LIKE '50%'",
    );
    expect(query.bindings).toEqual({
      '1': { type: 'TEXT', value: 'emea' },
      '2': { type: 'REAL', value: '12.5' },
      '3': { type: 'FIXED', value: '10' },
    });
    const tag = JSON.parse(String(query.parameters?.['QUERY_TAG'])) as Record<string, unknown>;
    expect(tag['flyte_execution']).toMatch(/^sf/);
    expect(tag['flyte_task']).toMatch(/select_orders/);
    const submitted = env.backend
      .logged('POST', '/queries/v1/query-request')
      .find((request) => (request.body as { sqlText?: string }).sqlText === query.sqlText);
    expect((submitted?.body as { asyncExec?: boolean }).asyncExec).toBe(true);
    if (protocol === 'v2') expect(query.session.role).toBe('ANALYST');

    expect(phaseOf(await client.get(task))).toBe('QUEUED');
    env.backend.set(meta.query_id, 'RUNNING');
    expect(phaseOf(await client.get(task))).toBe('RUNNING');
    env.backend.set(meta.query_id, 'SUCCESS');
    const done = await client.get(task);
    expect(phaseOf(done)).toBe('SUCCEEDED');
    const uri =
      protocol === 'v1'
        ? `snowflake://${USER}:${ACCOUNT}/${WAREHOUSE}/${DATABASE}/${SCHEMA}/${meta.query_id}`
        : `snowflake://${USER}/${ACCOUNT}/${WAREHOUSE}/${DATABASE}/${SCHEMA}/${meta.query_id}`;
    expect(datasetOutput(done, 'results')).toBe(uri);
    expect(done.logLinks?.[0]?.uri).toBe(
      `https://app.snowflake.com/MYORG/MYACCOUNT/#/compute/history/queries/${meta.query_id}/detail`,
    );
  });

  it('reports waiting phases with a message for QUEUED, RESUMING_WAREHOUSE, repairing and BLOCKED', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(taskFor(), INPUT_VALUES, env.secretsFor(protocol)));
    const id = metaOf(task.resourceMeta).query_id;
    for (const [status, phase, text] of [
      ['QUEUED', 'QUEUED', /queued/],
      ['RESUMING_WAREHOUSE', 'WAITING_FOR_RESOURCES', /COMPUTE_WH to resume/],
      ['QUEUED_REPARING_WAREHOUSE', 'WAITING_FOR_RESOURCES', /repaired/],
      ['BLOCKED', 'WAITING_FOR_RESOURCES', /lock/],
      ['RESTARTED', 'RUNNING', /restarted/],
    ] as const) {
      env.backend.set(id, status);
      const resource = await client.get(task);
      expect(phaseOf(resource), status).toBe(phase);
      expect(resource.message).toMatch(text);
    }
  });

  it('fails with Snowflake error code and message; ABORTED and DISCONNECTED are mapped', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(taskFor(), INPUT_VALUES, env.secretsFor(protocol)));
    const id = metaOf(task.resourceMeta).query_id;
    env.backend.set(id, 'FAILED_WITH_ERROR', {
      code: '002003',
      message: "SQL compilation error: Object 'ORDERS' does not exist or not authorized.",
    });
    const failed = await client.get(task);
    expect(phaseOf(failed)).toBe('FAILED');
    expect(failed.message).toContain('002003');
    expect(failed.message).toContain("Object 'ORDERS' does not exist");
    env.backend.set(id, 'FAILED_WITH_INCIDENT', {
      code: '000603',
      message: 'Processing aborted due to error 300005',
    });
    expect(phaseOf(await client.get(task))).toBe('FAILED');
    env.backend.set(id, 'ABORTED');
    expect(phaseOf(await client.get(task))).toBe('ABORTED');
    env.backend.set(id, 'DISCONNECTED');
    expect(phaseOf(await client.get(task))).toBe('RETRYABLE_FAILED');
  });

  it('cancels on delete with SYSTEM$CANCEL_QUERY; delete of a finished or unknown query succeeds', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(taskFor(), INPUT_VALUES, env.secretsFor(protocol)));
    const id = metaOf(task.resourceMeta).query_id;
    env.backend.set(id, 'RUNNING');
    await client.delete(task);
    expect(env.backend.cancelledQueries).toContain(id);
    expect(phaseOf(await client.get(task))).toBe('ABORTED');
    await client.delete(task);
    const unknown = new TextEncoder().encode(
      new TextDecoder().decode(task.resourceMeta).replace(id, '01b2c3d4-0000-4000-8000-000000000000'),
    );
    await client.delete({ ...task, resourceMeta: unknown });
  });

  it('keeps polling (RUNNING) through a 503 that outlasts the retries', async () => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(taskFor(), INPUT_VALUES, env.secretsFor(protocol)));
    env.backend.inject('http-503', Number.POSITIVE_INFINITY);
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('RUNNING');
    expect(resource.message).toMatch(/Snowflake did not answer/);
  });

  it('succeeds without outputs when the task declares none', async () => {
    const client = env.client(protocol);
    const template = protocol === 'v1' ? flytekitTask({ results: false }) : flyteSdkTask({ results: false });
    const task = await submit(client, createInput(template, INPUT_VALUES, env.secretsFor(protocol)));
    const meta = metaOf(task.resourceMeta);
    expect(meta['has_output']).toBe(false);
    env.backend.set(meta.query_id, 'SUCCESS');
    const done = await client.get(task);
    expect(phaseOf(done)).toBe('SUCCEEDED');
    expect(done.outputs?.literals ?? []).toHaveLength(0);
  });
});

describe('snowflake details', () => {
  it('binds every input type as the driver types it', async () => {
    const template = flytekitTask({
      sql: 'INSERT INTO t VALUES (%(s)s, %(i)s, %(big)s, %(f)s, %(b)s, %(d)s, %(s)s, %(nan)s)',
      inputs: {
        s: 'STRING',
        i: 'INTEGER',
        big: 'INTEGER',
        f: 'FLOAT',
        b: 'BOOLEAN',
        d: 'DATETIME',
        nan: 'FLOAT',
      },
      results: false,
    });
    const task = await submit(
      env.client('v1'),
      createInput(template, {
        s: "o'brien",
        i: 42n,
        big: 9_007_199_254_740_993n,
        f: 0.25,
        b: true,
        d: new Date('2024-05-06T07:08:09.010Z'),
        nan: Number.NaN,
      }),
    );
    const query = env.backend.queries.get(metaOf(task.resourceMeta).query_id)!;
    expect(query.sqlText).toBe('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    expect(query.bindings).toEqual({
      '1': { type: 'TEXT', value: "o'brien" },
      '2': { type: 'FIXED', value: '42' },
      '3': { type: 'TEXT', value: '9007199254740993' },
      '4': { type: 'REAL', value: '0.25' },
      '5': { type: 'BOOLEAN', value: 'true' },
      '6': { type: 'TEXT', value: '2024-05-06T07:08:09.010Z' },
      '7': { type: 'TEXT', value: "o'brien" },
      '8': { type: 'TEXT', value: 'NaN' },
    });
  });

  it('logs in once per pooled connection across many calls', async () => {
    env.backend.registerUser('POOL_USER', env.serverKey.publicKeyPem);
    const before = env.backend.logins;
    const client = env.client('v1');
    const task = await submit(client, createInput(flytekitTask({ user: 'POOL_USER' }), INPUT_VALUES));
    for (let i = 0; i < 4; i += 1) await client.get(task);
    await submit(client, createInput(flytekitTask({ user: 'POOL_USER' }), INPUT_VALUES));
    await client.delete(task);
    expect(env.backend.logins - before).toBe(1);
  });

  it('logs in with the encrypted key and passphrase (Flyte 2) and the unencrypted key (Flyte 1)', async () => {
    expect(env.tenantKey.privateKeyPem).toContain('ENCRYPTED PRIVATE KEY');
    expect(env.serverKey.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    env.backend.registerUser('KEYS_USER', env.serverKey.publicKeyPem);
    env.backend.registerUser('KEYS_USER', env.tenantKey.publicKeyPem);
    const failed = env.backend.failedLogins;
    await submit(
      env.client('v2'),
      createInput(flyteSdkTask({ user: 'KEYS_USER' }), INPUT_VALUES, env.secretsFor('v2')),
    );
    await submit(env.client('v1'), createInput(flytekitTask({ user: 'KEYS_USER' }), INPUT_VALUES));
    expect(env.backend.failedLogins).toBe(failed);
    const wrong = await failureOf(
      submit(
        env.client('v2'),
        createInput(flyteSdkTask(), INPUT_VALUES, {
          snowflake_private_key: env.tenantKey.privateKeyPem,
          snowflake_private_key_passphrase: 'not-the-passphrase',
        }),
      ),
    );
    expect(wrong?.kind).toBeDefined();
    expect(wrong?.message ?? '').not.toContain(env.tenantKey.privateKeyPem.split('\n')[2]!);
  });

  it('refuses a key the account does not know with UNAUTHENTICATED', async () => {
    const { unencryptedKey } = await import('./support/keys.js');
    const stranger = unencryptedKey();
    const error = await failureOf(
      submit(
        env.client('v2'),
        createInput(flyteSdkTask(), INPUT_VALUES, { snowflake_private_key: stranger.privateKeyPem }),
      ),
    );
    expect(error?.kind).toBe('UNAUTHENTICATED');
    expect(error?.message).toContain('390144');
  });

  it('refuses SQL naming an input that does not exist, batch mode on scalar inputs with INVALID_ARGUMENT; compile errors fail the task', async () => {
    const missing = await failureOf(
      submit(env.client('v1'), createInput(flytekitTask({ sql: 'SELECT %(nope)s' }), INPUT_VALUES)),
    );
    expect(missing?.kind).toBe('INVALID_ARGUMENT');
    expect(missing?.message).toContain('%(nope)s');
    // The driver reports a refused asyncExec statement as accepted; GetTask reads the failure from query history.
    const refused = await submit(
      env.client('v1'),
      createInput(flytekitTask({ sql: 'SELECT SYNTAX ERROR' }), INPUT_VALUES),
    );
    const syntax = await env.client('v1').get(refused);
    expect(phaseOf(syntax)).toBe('FAILED');
    expect(syntax.message).toContain('001003');
    expect(syntax.message).toContain('syntax error');
    // Batch mode needs list inputs: scalar ones are refused before anything reaches Snowflake.
    const batch = await failureOf(
      submit(
        env.client('v2'),
        createInput(flyteSdkTask({ custom: { batch: true } }), INPUT_VALUES, env.secretsFor('v2')),
      ),
    );
    expect(batch?.kind).toBe('INVALID_ARGUMENT');
    expect(batch?.message).toContain('must be a list');
  });

  it("runs flyte-sdk's batch mode: list inputs expanded into one multi-row VALUES clause, bound row by row", async () => {
    const listOf = (element: 'STRING' | 'INTEGER'): LiteralType => ({
      ...literalType(element),
      type: { case: 'collectionType', value: literalType(element) },
    });
    const template = flyteSdkTask({
      custom: { batch: true },
      sql: 'INSERT INTO ORDERS (REGION, QTY) VALUES (%(region)s, %(qty)s)',
      inputs: { region: listOf('STRING'), qty: listOf('INTEGER') },
      results: false,
    });
    const task = await submit(
      env.client('v2'),
      createInput(template, { region: ['emea', 'apac', 'amer'], qty: [1, 2, 3] }, env.secretsFor('v2')),
    );
    const query = env.backend.queries.get(metaOf(task.resourceMeta).query_id)!;
    expect(query.sqlText).toBe('INSERT INTO ORDERS (REGION, QTY) VALUES (?, ?), (?, ?), (?, ?)');
    expect(Object.values(query.bindings ?? {}).map((bind) => bind.value)).toEqual([
      'emea',
      '1',
      'apac',
      '2',
      'amer',
      '3',
    ]);
  });

  it('answers GetTask within the deadline when the backend hangs or drops the connection', async () => {
    const client = env.client('v1');
    const task = await submit(client, createInput(flytekitTask(), INPUT_VALUES));
    env.backend.inject('timeout', Number.POSITIVE_INFINITY);
    const started = Date.now();
    const hung = await client.get(task);
    expect(phaseOf(hung)).toBe('RUNNING');
    expect(Date.now() - started).toBeLessThan(5_000);
    env.backend.clearFaults();
    env.backend.inject('reset', Number.POSITIVE_INFINITY);
    expect(phaseOf(await client.get(task))).toBe('RUNNING');
  });

  it('keeps the key and passphrase out of resource_meta and logs', async () => {
    const task = await submit(
      env.client('v2'),
      createInput(flyteSdkTask(), INPUT_VALUES, env.secretsFor('v2')),
    );
    await env.client('v2').get(task);
    const text = new TextDecoder().decode(task.resourceMeta) + env.logs.join('\n');
    for (const key of [env.tenantKey, env.serverKey]) {
      for (const line of key.privateKeyPem.split('\n').slice(1, 4)) expect(text).not.toContain(line);
    }
    expect(text).not.toContain(PASSPHRASE);
  });
});
