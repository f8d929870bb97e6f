// The connector through the real service: core's ConnectorService on a loopback port, core's gRPC clients in
// both protocol families (Flyte 1 `AsyncAgentService`, Flyte 2 `AsyncConnectorService`), the real
// @google-cloud/bigquery SDK and google-auth-library talking to the local BigQuery backend and token endpoint.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_STATUS_FIELDS } from '../src/job-status.js';
import { makeServiceAccount } from './backend/service-account.js';
import { byName, callError } from './support/assertions.js';
import { literals, types } from './support/flyte.js';
import {
  datasetOutput,
  GCP_PROJECT,
  insertedConfiguration,
  insertedQuery,
  metaOf,
  phaseOf,
  pollToEnd,
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
  await env?.stop();
});

const BASE_CUSTOM = { ProjectID: GCP_PROJECT, Location: 'US', Domain: 'development' };

describe.each<Protocol>(['v1', 'v2'])('through the service (%s)', (protocol) => {
  it('runs a query to SUCCEEDED with the results table, log link, cost figures and a small resource_meta', async () => {
    const client = env.client(protocol);
    const task = await submit(
      client,
      {
        sql: 'SELECT * FROM `shop.orders` WHERE version = @version',
        custom: BASE_CUSTOM,
        inputs: { version: types.simple('INTEGER') },
        outputs: { results: types.dataset() },
      },
      { inputs: { version: literals.int(3n) } },
    );
    const meta = metaOf(task.resourceMeta);
    expect(meta).toEqual({
      jobId: expect.stringMatching(/^flyte_[0-9a-f]{32}$/),
      project: GCP_PROJECT,
      location: 'US',
    });
    expect(task.resourceMeta.byteLength).toBeLessThan(512);

    const resource = await pollToEnd(client, task);
    expect(phaseOf(resource)).toBe('SUCCEEDED');
    const job = env.backend.job(meta['jobId'] as string)!;
    const table = job.configuration.query['destinationTable'] as Record<string, string>;
    expect(datasetOutput(resource, 'results')).toBe(
      `bq://${GCP_PROJECT}:${table['datasetId']}.${table['tableId']}`,
    );
    expect(resource.logLinks).toEqual([
      expect.objectContaining({
        name: 'BigQuery Console',
        uri: `https://console.cloud.google.com/bigquery?project=${GCP_PROJECT}&j=bq:US:${String(meta['jobId'])}&page=queryresults`,
      }),
    ]);
    // Every custom_info entry, although get asks BigQuery for part of the job resource only (`fields`).
    expect(resource.customInfo).toEqual({
      jobId: meta['jobId'],
      project: GCP_PROJECT,
      location: 'US',
      state: 'DONE',
      statementType: 'SELECT',
      totalBytesProcessed: expect.any(Number),
      totalBytesBilled: expect.any(Number),
      totalSlotMs: expect.any(Number),
      cacheHit: expect.any(Boolean),
      destinationTable: `${GCP_PROJECT}:${table['datasetId']}.${table['tableId']}`,
      creationTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      endTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const read = env.backend
      .requestsFor('jobs.get')
      .find((request) => request.path.endsWith(String(meta['jobId'])));
    expect(read?.query).toMatchObject({ location: 'US', fields: JOB_STATUS_FIELDS });
  });

  it('reports PENDING as INITIALIZING, RUNNING as RUNNING and DONE as SUCCEEDED', async () => {
    const client = env.client(protocol);
    env.backend.planNextJob({ mode: 'manual' });
    const task = await submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM });
    const jobId = metaOf(task.resourceMeta)['jobId'] as string;

    const pending = await client.get(task);
    expect(phaseOf(pending)).toBe('INITIALIZING');
    expect(pending.message).toContain('PENDING');
    env.backend.transition(jobId, 'RUNNING');
    expect(phaseOf(await client.get(task))).toBe('RUNNING');
    env.backend.transition(jobId, 'DONE');
    const done = await client.get(task);
    expect(phaseOf(done)).toBe('SUCCEEDED');
    // No output declared, none reported.
    expect(done.outputs?.literals ?? []).toEqual([]);
  });

  it('reports the rows a DML statement changed', async () => {
    const client = env.client(protocol);
    const task = await submit(client, {
      sql: "UPDATE shop.orders SET state = 'x' WHERE TRUE",
      custom: BASE_CUSTOM,
    });
    const done = await pollToEnd(client, task);
    expect(phaseOf(done)).toBe('SUCCEEDED');
    expect(done.customInfo).toMatchObject({ statementType: 'UPDATE', numDmlAffectedRows: 3 });
  });

  it('reports a failed job as FAILED with BigQuery reason and message', async () => {
    const client = env.client(protocol);
    env.backend.planNextJob({
      mode: 'auto',
      runningMs: 50,
      error: { reason: 'resourcesExceeded', message: 'Resources exceeded during query execution' },
    });
    const task = await submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM });
    const resource = await pollToEnd(client, task);
    expect(phaseOf(resource)).toBe('FAILED');
    expect(resource.message).toContain('resourcesExceeded: Resources exceeded during query execution');
  });

  it('reports a transient BigQuery job failure as RETRYABLE_FAILED', async () => {
    const client = env.client(protocol);
    env.backend.planNextJob({
      mode: 'auto',
      error: { reason: 'backendError', message: 'Backend error. Job aborted.' },
    });
    const task = await submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM });
    expect(phaseOf(await pollToEnd(client, task))).toBe('RETRYABLE_FAILED');
  });

  it("creates a job for an invalid query and reports BigQuery's error at get", async () => {
    const client = env.client(protocol);
    const task = await submit(client, { sql: 'SELECT SYNTAX_ERROR FROM t', custom: BASE_CUSTOM });
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('FAILED');
    expect(resource.message).toContain('invalidQuery: Syntax error');
  });

  it('cancels a running job on Delete; BigQuery then reports it stopped (ABORTED)', async () => {
    const client = env.client(protocol);
    env.backend.planNextJob({ mode: 'manual' });
    const task = await submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM });
    const jobId = metaOf(task.resourceMeta)['jobId'] as string;
    env.backend.transition(jobId, 'RUNNING');
    expect(phaseOf(await client.get(task))).toBe('RUNNING');

    await client.delete(task);
    const cancels = env.backend.requestsFor('jobs.cancel').filter((request) => request.path.includes(jobId));
    expect(cancels).toHaveLength(1);
    expect(cancels[0]!.query['location']).toBe('US');
    const after = await client.get(task);
    expect(phaseOf(after)).toBe('ABORTED');
    expect(after.message).toContain('cancelled');
    // Deleting a finished job is fine too.
    await expect(client.delete(task)).resolves.toBeUndefined();
  });

  it('re-attaches a repeated CreateTask to the job of the same attempt', async () => {
    const client = env.client(protocol);
    const executionName = `reattach${protocol}${Date.now()}`;
    const spec = { sql: 'SELECT 1', custom: BASE_CUSTOM };
    const first = await submit(client, spec, { executionName });
    const second = await submit(client, spec, { executionName });
    const jobId = metaOf(first.resourceMeta)['jobId'] as string;
    expect(metaOf(second.resourceMeta)).toEqual(metaOf(first.resourceMeta));
    const inserts = env.backend
      .requestsFor('jobs.insert')
      .filter((request) => JSON.stringify(request.body).includes(jobId));
    expect(inserts).toHaveLength(2);
    expect(env.backend.jobs().filter((job) => job.jobId === jobId)).toHaveLength(1);
    // The next attempt (a Flyte retry) is a new job.
    const retry = await submit(client, spec, { executionName, retryAttempt: 1 });
    expect(metaOf(retry.resourceMeta)['jobId']).not.toBe(jobId);
  });

  it('succeeds in deleting a job BigQuery no longer knows, and reports it vanished at get', async () => {
    const client = env.client(protocol);
    const task = await submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM });
    env.backend.forget(metaOf(task.resourceMeta)['jobId'] as string);
    await expect(client.delete(task)).resolves.toBeUndefined();
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('FAILED');
    expect(resource.message).toMatch(/was not found in project test-project \(location US\)/);
  });

  it('sends every input type as a correctly typed named query parameter', async () => {
    const client = env.client(protocol);
    const at = new Date(Date.UTC(2024, 4, 1, 12, 34, 56, 789));
    const names = [
      'i',
      'f',
      's',
      'b',
      'dt',
      'dur',
      'raw',
      'ids',
      'tags',
      'counts',
      'doc',
      'maybe',
      'nothing',
      'amount',
      'big',
      'ts',
      'day',
      'payload',
      'point',
      'prices',
      'region',
    ];
    await submit(
      client,
      {
        sql: `SELECT ${names.map((name) => `@${name}`).join(', ')}`,
        custom: {
          ...BASE_CUSTOM,
          // How flytekit serializes QueryJobConfig(query_parameters=[...]): types for inputs, a static value.
          queryParameters: [
            { name: 'amount', parameterType: { type: 'NUMERIC' }, parameterValue: { value: null } },
            { name: 'big', parameterType: { type: 'BIGNUMERIC' }, parameterValue: { value: null } },
            { name: 'ts', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: null } },
            { name: 'day', parameterType: { type: 'DATE' }, parameterValue: { value: null } },
            { name: 'payload', parameterType: { type: 'JSON' }, parameterValue: { value: null } },
            {
              name: 'point',
              parameterType: {
                type: 'STRUCT',
                structTypes: [
                  { name: 'x', type: { type: 'INT64' } },
                  { name: 'y', type: { type: 'FLOAT64' } },
                ],
              },
            },
            {
              name: 'prices',
              parameterType: { type: 'ARRAY', arrayType: { type: 'NUMERIC' } },
              parameterValue: { arrayValues: [] },
            },
            { name: 'region', parameterType: { type: 'STRING' }, parameterValue: { value: 'eu' } },
          ],
        },
        inputs: {
          i: types.simple('INTEGER'),
          f: types.simple('FLOAT'),
          s: types.simple('STRING'),
          b: types.simple('BOOLEAN'),
          dt: types.simple('DATETIME'),
          dur: types.simple('DURATION'),
          raw: types.simple('BINARY'),
          ids: types.list(types.simple('INTEGER')),
          tags: types.list(types.simple('STRING')),
          counts: types.map(types.simple('INTEGER')),
          doc: types.simple('STRUCT'),
          maybe: types.optional(types.simple('INTEGER')),
          nothing: types.optional(types.simple('STRING')),
          amount: types.simple('STRING'),
          big: types.simple('STRING'),
          ts: types.simple('DATETIME'),
          day: types.simple('DATETIME'),
          payload: types.simple('STRING'),
          point: types.simple('STRUCT'),
          prices: types.list(types.simple('STRING')),
        },
      },
      {
        inputs: {
          i: literals.int(-9007199254740993n),
          f: literals.float(0.1),
          s: literals.str("O'Brien"),
          b: literals.bool(true),
          dt: literals.datetime(at),
          dur: literals.duration(90_061_500),
          raw: literals.bytes(new Uint8Array([0, 1, 255])),
          ids: literals.list([literals.int(1n), literals.int(2n)]),
          tags: literals.list([literals.str('a'), literals.str('b')]),
          counts: literals.map({ a: literals.int(1n), b: literals.int(2n) }),
          doc: literals.struct({ name: 'x', n: 1.5, tags: ['t'] }),
          maybe: literals.union(literals.int(7n), types.simple('INTEGER')),
          nothing: literals.union(literals.none(), types.simple('NONE')),
          amount: literals.str('12345678901234567890.123456789'),
          big: literals.str('1e40'),
          ts: literals.datetime(at),
          day: literals.datetime(at),
          payload: literals.str('{"k":[1,2]}'),
          point: literals.struct({ x: 1, y: 2.5 }),
          prices: literals.list([literals.str('1.10'), literals.str('2.20')]),
        },
      },
    );
    const query = insertedQuery(env.backend);
    expect(query['parameterMode']).toBe('NAMED');
    expect(query['useLegacySql']).toBe(false);
    expect(byName(query['queryParameters'] as { name: string }[])).toEqual(
      byName([
        { name: 'i', parameterType: { type: 'INT64' }, parameterValue: { value: '-9007199254740993' } },
        { name: 'f', parameterType: { type: 'FLOAT64' }, parameterValue: { value: '0.1' } },
        { name: 's', parameterType: { type: 'STRING' }, parameterValue: { value: "O'Brien" } },
        { name: 'b', parameterType: { type: 'BOOL' }, parameterValue: { value: 'true' } },
        {
          name: 'dt',
          parameterType: { type: 'DATETIME' },
          parameterValue: { value: '2024-05-01T12:34:56.789000' },
        },
        { name: 'dur', parameterType: { type: 'INTERVAL' }, parameterValue: { value: '0-0 1 1:1:1.5' } },
        { name: 'raw', parameterType: { type: 'BYTES' }, parameterValue: { value: 'AAH/' } },
        {
          name: 'ids',
          parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
          parameterValue: { arrayValues: [{ value: '1' }, { value: '2' }] },
        },
        {
          name: 'tags',
          parameterType: { type: 'ARRAY', arrayType: { type: 'STRING' } },
          parameterValue: { arrayValues: [{ value: 'a' }, { value: 'b' }] },
        },
        { name: 'counts', parameterType: { type: 'JSON' }, parameterValue: { value: '{"a":1,"b":2}' } },
        {
          name: 'doc',
          parameterType: { type: 'JSON' },
          parameterValue: { value: '{"name":"x","n":1.5,"tags":["t"]}' },
        },
        { name: 'maybe', parameterType: { type: 'INT64' }, parameterValue: { value: '7' } },
        { name: 'nothing', parameterType: { type: 'STRING' }, parameterValue: {} },
        {
          name: 'amount',
          parameterType: { type: 'NUMERIC' },
          parameterValue: { value: '12345678901234567890.123456789' },
        },
        { name: 'big', parameterType: { type: 'BIGNUMERIC' }, parameterValue: { value: '1e40' } },
        {
          name: 'ts',
          parameterType: { type: 'TIMESTAMP' },
          parameterValue: { value: '2024-05-01 12:34:56.789000+00:00' },
        },
        { name: 'day', parameterType: { type: 'DATE' }, parameterValue: { value: '2024-05-01' } },
        { name: 'payload', parameterType: { type: 'JSON' }, parameterValue: { value: '{"k":[1,2]}' } },
        {
          name: 'point',
          parameterType: {
            type: 'STRUCT',
            structTypes: [
              { name: 'x', type: { type: 'INT64' } },
              { name: 'y', type: { type: 'FLOAT64' } },
            ],
          },
          parameterValue: { structValues: { x: { value: '1' }, y: { value: '2.5' } } },
        },
        {
          name: 'prices',
          parameterType: { type: 'ARRAY', arrayType: { type: 'NUMERIC' } },
          parameterValue: { arrayValues: [{ value: '1.10' }, { value: '2.20' }] },
        },
        { name: 'region', parameterType: { type: 'STRING' }, parameterValue: { value: 'eu' } },
      ]),
    );
  });

  it('applies the QueryJobConfig fields of the task and labels the job with the execution identity', async () => {
    const client = env.client(protocol);
    const executionName = `cfg${protocol}${Date.now()}`;
    const task = await submit(
      client,
      {
        sql: 'SELECT 1',
        taskName: 'my_project.workflows.Daily_Rollup',
        custom: {
          ...BASE_CUSTOM,
          destinationTable: { projectId: GCP_PROJECT, datasetId: 'analytics', tableId: 'daily' },
          writeDisposition: 'WRITE_TRUNCATE',
          createDisposition: 'CREATE_IF_NEEDED',
          defaultDataset: { datasetId: 'analytics' },
          maximumBytesBilled: '1000000000',
          priority: 'BATCH',
          useQueryCache: false,
          labels: { team: 'data-eng', cost_center: '42' },
          jobTimeoutMs: '600000',
        },
        outputs: { results: types.dataset() },
      },
      { executionName, nodeId: 'n3', retryAttempt: 1 },
    );
    const configuration = insertedConfiguration(env.backend);
    expect(configuration['query']).toEqual({
      useLegacySql: false,
      query: 'SELECT 1',
      destinationTable: { projectId: GCP_PROJECT, datasetId: 'analytics', tableId: 'daily' },
      writeDisposition: 'WRITE_TRUNCATE',
      createDisposition: 'CREATE_IF_NEEDED',
      defaultDataset: { projectId: GCP_PROJECT, datasetId: 'analytics' },
      maximumBytesBilled: '1000000000',
      priority: 'BATCH',
      useQueryCache: false,
    });
    expect(configuration['jobTimeoutMs']).toBe('600000');
    expect(configuration['labels']).toEqual({
      team: 'data-eng',
      cost_center: '42',
      flyte_project: 'flytesnacks',
      flyte_domain: 'development',
      flyte_execution: executionName.toLowerCase(),
      flyte_node: 'n3',
      flyte_task: 'my_project_workflows_daily_rollup',
      flyte_attempt: '1',
    });
    const resource = await pollToEnd(client, task);
    expect(datasetOutput(resource, 'results')).toBe(`bq://${GCP_PROJECT}:analytics.daily`);
  });
});

describe('task validation', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      'a task without ProjectID',
      { Location: 'US' },
      'SELECT 1',
      /Missing required parameter 'project'.*template.custom.ProjectID/,
    ],
    ['a task without SQL', { ProjectID: GCP_PROJECT }, '  ', /no SQL/],
    [
      'invalid labels',
      { ProjectID: GCP_PROJECT, labels: { Team: 'x' } },
      'SELECT 1',
      /custom.labels: 'Team' is not a valid/,
    ],
    [
      'a bad disposition',
      { ProjectID: GCP_PROJECT, writeDisposition: 'REPLACE' },
      'SELECT 1',
      /custom.writeDisposition/,
    ],
    ['an input BigQuery cannot take', { ProjectID: GCP_PROJECT }, 'SELECT @xs', /no arrays of arrays/],
  ])('refuses %s with INVALID_ARGUMENT before calling BigQuery', async (_what, custom, sql, message) => {
    const inserts = env.backend.requestsFor('jobs.insert').length;
    const nested = sql.includes('@xs');
    const error = await callError(
      submit(
        env.client('v2'),
        {
          sql,
          custom: custom as never,
          inputs: nested ? { xs: types.list(types.list(types.simple('INTEGER'))) } : {},
        },
        { inputs: nested ? { xs: literals.list([literals.list([literals.int(1n)])]) } : {} },
      ),
    );
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
    expect(env.backend.requestsFor('jobs.insert')).toHaveLength(inserts);
  });

  it('runs a dry run: BigQuery estimates the cost, nothing runs, get reports the estimate', async () => {
    const client = env.client('v2');
    const task = await submit(client, { sql: 'SELECT 1', custom: { ...BASE_CUSTOM, dryRun: true } });
    expect(insertedConfiguration(env.backend)['dryRun']).toBe(true);
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('SUCCEEDED');
    expect(resource.customInfo).toMatchObject({ dryRun: true, totalBytesProcessed: 123456789 });
    await expect(client.delete(task)).resolves.toBeUndefined();

    const invalid = await callError(
      submit(client, { sql: 'SELECT SYNTAX_ERROR', custom: { ...BASE_CUSTOM, dryRun: true } }),
    );
    expect(invalid.kind).toBe('INVALID_ARGUMENT');
    expect(invalid.message).toContain('Dry run: BigQuery rejected the query: invalidQuery: Syntax error');

    const error = await callError(
      submit(client, {
        sql: 'SELECT 1',
        custom: { ...BASE_CUSTOM, dryRun: true },
        outputs: { results: types.dataset() },
      }),
    );
    expect(error.kind).toBe('INVALID_ARGUMENT');
  });
});

describe('credentials', () => {
  it('uses the Flyte 2 connection secret over the server secret, for create, get and delete', async () => {
    const client = env.client('v2');
    env.backend.planNextJob({ mode: 'manual' });
    const task = await submit(
      client,
      { sql: 'SELECT 1', custom: BASE_CUSTOM },
      {
        secrets: { google_application_credentials: env.requestAccount.json },
      },
    );
    const jobId = metaOf(task.resourceMeta)['jobId'] as string;
    await client.get(task);
    await client.delete(task);
    const mine = env.backend.requests.filter(
      (request) => request.path.includes(jobId) || JSON.stringify(request.body ?? '').includes(jobId),
    );
    expect(mine.map((request) => request.op)).toEqual(['jobs.insert', 'jobs.get', 'jobs.cancel']);
    expect(new Set(mine.map((request) => request.principal))).toEqual(new Set([env.requestAccount.email]));
    // Flyte 1 has no per-request secrets: the server's key is used.
    const v1Task = await submit(env.client('v1'), { sql: 'SELECT 1', custom: BASE_CUSTOM });
    const v1JobId = metaOf(v1Task.resourceMeta)['jobId'] as string;
    expect(env.backend.job(v1JobId)?.principal).toBe(env.serverAccount.email);
  });

  it.each([
    ['not JSON', 'not json {{ SECRET-MARKER-1', /does not parse/],
    [
      'JSON without client_email',
      JSON.stringify({ type: 'service_account', private_key: 'SECRET-MARKER-2' }),
      /lacks a valid client_email/,
    ],
    [
      'a broken private key',
      JSON.stringify({
        client_email: 'a@b.iam.gserviceaccount.com',
        private_key: '-----BEGIN PRIVATE KEY-----SECRET-MARKER-3',
      }),
      /not a PEM-encoded RSA private key/,
    ],
    [
      'an external account',
      JSON.stringify({
        type: 'external_account',
        credential_source: { executable: { command: 'SECRET-MARKER-4' } },
      }),
      /only service-account keys/,
    ],
  ])(
    'refuses %s with INVALID_ARGUMENT naming google_application_credentials, never its content',
    async (_what, secret, problem) => {
      const error = await callError(
        submit(
          env.client('v2'),
          { sql: 'SELECT 1', custom: BASE_CUSTOM },
          { secrets: { google_application_credentials: secret } },
        ),
      );
      expect(error.kind).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain("Invalid parameter 'google_application_credentials'");
      expect(error.message).toMatch(problem);
      expect(error.message).not.toContain('SECRET-MARKER');
      expect(env.logs.join('\n')).not.toContain('SECRET-MARKER');
    },
  );

  it('keeps one client and one access token per credential, and polls over kept-alive connections', async () => {
    const client = env.client('v2');
    const secrets = { google_application_credentials: env.requestAccount.json };
    env.backend.planNextJob({ mode: 'manual' });
    const task = await submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM }, { secrets });
    const connectionsBefore = env.backend.connections;
    const started = performance.now();
    for (let i = 0; i < 20; i += 1) expect(phaseOf(await client.get(task))).toBe('INITIALIZING');
    const perGetMs = (performance.now() - started) / 20;
    expect(env.backend.connections - connectionsBefore).toBeLessThanOrEqual(1);
    const clientsCreated = env.logs.filter((line) => line.includes('creating BigQuery client'));
    // One client for the server key, one for the request key (same project, same endpoint).
    expect(clientsCreated).toHaveLength(2);
    expect(new Set(env.backend.assertions.map((claims) => claims.iss))).toEqual(
      new Set([env.serverAccount.email, env.requestAccount.email]),
    );
    expect(env.backend.assertions).toHaveLength(2);
    expect(clientsCreated.join('\n')).not.toContain('PRIVATE KEY');
    expect(env.logs.join('\n')).not.toContain('PRIVATE KEY');
    console.info(`GetTask through the service against the local backend: ${perGetMs.toFixed(1)} ms per call`);
  });
});

describe('under load', () => {
  it('serves 40 concurrent tasks with a new credential: one client, one token exchange, no event-loop stalls', async () => {
    const account = await makeServiceAccount({
      name: 'burst',
      projectId: GCP_PROJECT,
      tokenUri: env.backend.tokenUri,
    });
    env.backend.registerServiceAccount(account.email, account.publicKey);
    const secrets = { google_application_credentials: account.json };
    const client = env.client('v2');
    // Warm up with the server's key: loading the SDK (first BigQuery task of a process) is a one-off ~150 ms of
    // module evaluation, and first calls compile code; neither is what this measures.
    await Promise.all(
      Array.from({ length: 10 }, () => submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM })),
    );
    const clientsBefore = env.logs.filter((line) => line.includes('creating BigQuery client')).length;
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const tasks = await Promise.all(
      Array.from({ length: 40 }, () => submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM }, { secrets })),
    );
    const resources = await Promise.all(tasks.map((task) => client.get(task)));
    const elapsedMs = performance.now() - started;
    delay.disable();
    expect(resources.map(phaseOf)).toEqual(Array.from({ length: 40 }, () => 'SUCCEEDED'));
    expect(env.backend.assertions.filter((claims) => claims.iss === account.email)).toHaveLength(1);
    expect(env.logs.filter((line) => line.includes('creating BigQuery client')).length - clientsBefore).toBe(
      1,
    );
    const maxDelayMs = delay.max / 1e6;
    // The test's clients, the service and the backend share this event loop: a stall would show here.
    expect(maxDelayMs).toBeLessThan(100);
    console.info(
      `40 concurrent CreateTask + GetTask: ${elapsedMs.toFixed(0)} ms, event-loop delay max ${maxDelayMs.toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
    );
  });
});

describe('transient trouble absorbed by the SDK retries', () => {
  it('retries a 503 on get and a lost insert answer; the retried insert re-attaches (409 → same job)', async () => {
    const client = env.client('v2');
    env.backend.planNextJob({ mode: 'manual' });
    env.backend.inject('jobs.insert', { kind: 'lose-answer' });
    const task = await submit(client, { sql: 'SELECT 1', custom: BASE_CUSTOM });
    const jobId = metaOf(task.resourceMeta)['jobId'] as string;
    const inserts = env.backend
      .requestsFor('jobs.insert')
      .filter((request) => JSON.stringify(request.body).includes(jobId));
    expect(inserts).toHaveLength(2);
    expect(env.backend.jobs().filter((job) => job.jobId === jobId)).toHaveLength(1);

    const gets = env.backend.requestsFor('jobs.get').length;
    env.backend.inject('jobs.get', { kind: 'error', status: 503, reason: 'backendError' });
    expect(phaseOf(await client.get(task))).toBe('INITIALIZING');
    // One get answered 503, the SDK's retry got the job.
    expect(env.backend.requestsFor('jobs.get').length - gets).toBe(2);
  });
});
