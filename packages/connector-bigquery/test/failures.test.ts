// Backend trouble as the service reports it. SDK retries are switched off (FLYTE_BIGQUERY_MAX_RETRIES=0) and the
// request timeout is short, so that each injected fault reaches the connector.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError } from './support/assertions.js';
import {
  GCP_PROJECT,
  metaOf,
  phaseOf,
  startEnvironment,
  submit,
  type Environment,
} from './support/service.js';
import type { Fault } from './backend/bigquery-backend.js';

const CUSTOM = { ProjectID: GCP_PROJECT, Location: 'US' };

describe('without retries', () => {
  let env: Environment;
  beforeAll(async () => {
    env = await startEnvironment({
      env: { FLYTE_BIGQUERY_MAX_RETRIES: '0', FLYTE_BIGQUERY_TIMEOUT_MS: '400' },
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it.each<[string, Fault]>([
    ['a 503', { kind: 'error', status: 503, reason: 'backendError' }],
    ['a 500', { kind: 'error', status: 500, reason: 'internalError' }],
    ['a 429', { kind: 'error', status: 429, reason: 'rateLimitExceeded' }],
    ['a 403 rate limit', { kind: 'error', status: 403, reason: 'rateLimitExceeded' }],
    ['a dropped connection', { kind: 'drop' }],
    ['a response slower than the timeout', { kind: 'delay', ms: 1_500 }],
  ])(
    'keeps the task RUNNING with a message when get meets %s, and reports the job once BigQuery answers',
    async (_what, fault) => {
      for (const protocol of ['v1', 'v2'] as const) {
        const client = env.client(protocol);
        const task = await submit(client, { sql: 'SELECT 1', custom: CUSTOM });
        env.backend.inject('jobs.get', fault);
        const resource = await client.get(task);
        expect(phaseOf(resource)).toBe('RUNNING');
        expect(resource.message).toMatch(
          /BigQuery did not answer for job flyte_\w+ \(.+\); will check again/,
        );
        expect(phaseOf(await client.get(task))).toBe('SUCCEEDED');
      }
    },
  );

  it('fails CreateTask with UNAVAILABLE when the insert meets a 503, and the retried CreateTask starts one job', async () => {
    const client = env.client('v2');
    const executionName = `unavailable${Date.now()}`;
    env.backend.inject('jobs.insert', { kind: 'error', status: 503, reason: 'backendError' });
    const error = await callError(submit(client, { sql: 'SELECT 1', custom: CUSTOM }, { executionName }));
    expect(error.kind).toBe('UNAVAILABLE');
    const task = await submit(client, { sql: 'SELECT 1', custom: CUSTOM }, { executionName });
    expect(env.backend.jobs().filter((job) => job.jobId === metaOf(task.resourceMeta)['jobId'])).toHaveLength(
      1,
    );
  });

  it('fails CreateTask with RESOURCE_EXHAUSTED on a 429 and PERMISSION_DENIED on a 403', async () => {
    const client = env.client('v2');
    env.backend.inject('jobs.insert', { kind: 'error', status: 429, reason: 'rateLimitExceeded' });
    expect((await callError(submit(client, { sql: 'SELECT 1', custom: CUSTOM }))).kind).toBe(
      'RESOURCE_EXHAUSTED',
    );
    env.backend.denyAccess('denied-project');
    const denied = await callError(
      submit(client, { sql: 'SELECT 1', custom: { ProjectID: 'denied-project' } }),
    );
    expect(denied.kind).toBe('PERMISSION_DENIED');
    expect(denied.message).toContain('Access Denied: Project denied-project');
  });

  it('reports FAILED when access to a running job is lost (403), and says the job may still run', async () => {
    const client = env.client('v2');
    env.backend.planNextJob({ mode: 'manual' });
    const project = 'revoked-project';
    const task = await submit(client, { sql: 'SELECT 1', custom: { ProjectID: project } });
    env.backend.denyAccess(project);
    const resource = await client.get(task);
    expect(phaseOf(resource)).toBe('FAILED');
    expect(resource.message).toMatch(
      /Lost access to BigQuery job .*HTTP 403 accessDenied.*may still be running/,
    );
    expect(resource.logLinks).toHaveLength(1);
  });

  it('does not find a job outside US/EU without its location (why resource_meta keeps it)', async () => {
    const client = env.client('v2');
    const task = await submit(client, {
      sql: 'SELECT 1',
      custom: { ProjectID: GCP_PROJECT, Location: 'asia-northeast1' },
    });
    expect(metaOf(task.resourceMeta)['location']).toBe('asia-northeast1');
    expect(phaseOf(await client.get(task))).toBe('SUCCEEDED');
    const gets = env.backend.requestsFor('jobs.get');
    expect(gets.at(-1)!.query['location']).toBe('asia-northeast1');
  });
});

describe('credentials from the server (Flyte 1) and Application Default Credentials', () => {
  let env: Environment;
  let secretsDir: string;
  beforeAll(async () => {
    secretsDir = await mkdtemp(join(tmpdir(), 'bq-secrets-'));
    env = await startEnvironment({ serverSecret: false, secretsDir });
  });
  afterAll(async () => {
    await env?.stop();
    await rm(secretsDir, { recursive: true, force: true });
  });

  it('falls back to Application Default Credentials, and says so when there are none (UNAUTHENTICATED)', async () => {
    const error = await callError(submit(env.client('v1'), { sql: 'SELECT 1', custom: CUSTOM }));
    expect(error.kind).toBe('UNAUTHENTICATED');
    expect(env.backend.requestsFor('jobs.insert').at(-1)?.principal).toBeUndefined();
  });

  it('reads the key from the mounted secret file, and refuses a bad one naming the parameter only', async () => {
    await writeFile(
      join(secretsDir, 'google_application_credentials'),
      '{"client_email": 1, "private_key": "SECRET-FILE-MARKER"}',
    );
    const error = await callError(submit(env.client('v1'), { sql: 'SELECT 1', custom: CUSTOM }));
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain("Invalid parameter 'google_application_credentials'");
    expect(error.message).not.toContain('SECRET-FILE-MARKER');
    expect(env.logs.join('\n')).not.toContain('SECRET-FILE-MARKER');
  });
});

describe('the token endpoint of a key', () => {
  let env: Environment;
  beforeAll(async () => {
    // No FLYTE_BIGQUERY_ENDPOINT: the operator set no private endpoint.
    env = await startEnvironment({ env: { FLYTE_BIGQUERY_ENDPOINT: '' } });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('is honoured only with an operator-set endpoint: a request key cannot send the service elsewhere', async () => {
    const error = await callError(
      submit(
        env.client('v2'),
        { sql: 'SELECT 1', custom: CUSTOM },
        {
          secrets: { google_application_credentials: env.requestAccount.json },
        },
      ),
    );
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/google_application_credentials.*token_uri is not Google's token endpoint/);
    expect(env.backend.requests).toEqual([]);
  });
});
