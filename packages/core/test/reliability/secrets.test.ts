// Canary secrets through every door a secret comes in by — the Flyte 1 secrets directory (--secrets-dir), Flyte 2
// connection.secrets, a password nested in template.custom, a token quoted back in a vendor's error body, a vendor
// SDK error carrying the request — then every place a secret could come out is scanned: the service's stdout and
// stderr (at debug level), /metrics and /healthz, and every gRPC reply (messages, custom_info, resource_meta bytes,
// error details, trailers), in the raw and encoded forms (base64, URL, hex, JSON-escaped...).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { canaryForms, findLeaks, type Leak } from '@org/connector-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { httpGet } from '../support/util.js';
import { JobBackend } from './support/backend.js';
import { RELIABILITY_FIXTURE } from './support/env.js';
import { RawChannel, StatusName, type RawOutcome } from './support/raw-grpc.js';
import {
  createTaskRequest,
  lifecycleRequests,
  phaseOf,
  resourceMetaOf,
  type SeedCategory,
} from './support/seeds.js';

/** Distinctive values, one per door, so that a leak names its way in. */
const CANARY = {
  secretsDir: 'cnry-DIR-7f3a9c1e5b2d',
  connection: 'cnry-CONN-4d8e2b6a90f1',
  nested: 'cnry-NESTED-c0ffee123456',
  rejected: 'cnry-REJECTED-9e8d7c6b5a4f',
} as const;
const FORMS = canaryForms(Object.values(CANARY));
const BACKEND_JOB: SeedCategory = { name: 'backend_job', version: 0 };
const V1 = '/flyteidl.service.AsyncAgentService';
const V2 = '/flyteidl2.connector.AsyncConnectorService';

let secretsDir: string;
let backend: JobBackend;
let service: ServiceProcess;
let channel: RawChannel;
/** Every reply the tests received, for the final scan. */
const replies: { where: string; outcome: RawOutcome }[] = [];

beforeAll(async () => {
  secretsDir = mkdtempSync(join(tmpdir(), 'reliability-secrets-'));
  writeFileSync(join(secretsDir, 'backend_token'), `${CANARY.secretsDir}\n`);
  backend = await new JobBackend({ validTokens: [CANARY.secretsDir, CANARY.connection] }).start();
  service = await startService({
    secretsDir,
    extraArgs: ['--modules', RELIABILITY_FIXTURE, '--log-level', 'debug'],
    env: { RELIABILITY_BACKEND_URL: backend.url },
  });
  channel = new RawChannel(service.address);
});

afterAll(async () => {
  channel?.close();
  await stopAllServices();
  await backend?.stop();
  rmSync(secretsDir, { recursive: true, force: true });
});

async function call(where: string, path: string, body: Uint8Array): Promise<RawOutcome> {
  const outcome = await channel.call('unary', path, [body]);
  replies.push({ where, outcome });
  return outcome;
}

const custom = { warehouse: { name: 'wh', auth: { user: 'etl', password: CANARY.nested } } };
let executions = 0;

/** Create → Get → Delete of one task; returns the create outcome. */
async function lifecycle(family: 'v1' | 'v2', behaviour: string, secrets?: Record<string, string>) {
  const flyte1 = family === 'v1';
  const connection = flyte1 ? undefined : { secrets: secrets ?? {}, configs: { region: 'eu' } };
  const create = await call(
    `${family} CreateTask (${behaviour})`,
    `${flyte1 ? V1 : V2}/CreateTask`,
    createTaskRequest({
      category: BACKEND_JOB,
      inputs: { behaviour },
      custom,
      executionName: `secrets-${family}-${++executions}`,
      ...(connection === undefined ? {} : { connection }),
      flyte1,
    }),
  );
  if (create.code !== status.OK) return create;
  const requests = lifecycleRequests(
    { category: BACKEND_JOB, resourceMeta: resourceMetaOf(create.responses[0]) },
    connection,
  );
  const get = await call(`${family} GetTask`, `${flyte1 ? V1 : V2}/GetTask`, requests.get);
  expect(StatusName[get.code], get.details).toBe('OK');
  expect(phaseOf(get.responses[0])).toBe(3); // SUCCEEDED
  const del = await call(`${family} DeleteTask`, `${flyte1 ? V1 : V2}/DeleteTask`, requests.delete);
  expect(StatusName[del.code], del.details).toBe('OK');
  return create;
}

describe('secrets in, secrets used', () => {
  it('Flyte 1: the token from --secrets-dir and a password nested in template.custom', async () => {
    expect(StatusName[(await lifecycle('v1', 'ok')).code]).toBe('OK');
    // The canary really was the credential used: the backend saw it.
    expect(backend.jobs.at(-1)?.token).toBe(CANARY.secretsDir);
  });

  it('Flyte 2: the token from connection.secrets (and the nested password)', async () => {
    expect(StatusName[(await lifecycle('v2', 'ok', { backend_token: CANARY.connection })).code]).toBe('OK');
    expect(backend.jobs.at(-1)?.token).toBe(CANARY.connection);
  });
});

describe('secrets quoted back by the backend or carried by SDK errors', () => {
  it('Flyte 2: a rejected token that the backend quotes in its 401 body → UNAUTHENTICATED without it', async () => {
    const outcome = await lifecycle('v2', 'ok', { backend_token: CANARY.rejected });
    expect(StatusName[outcome.code]).toBe('UNAUTHENTICATED');
    expect(outcome.details).toContain('invalid token');
  });

  it('Flyte 1: the backend quoting the secrets-dir token → UNAUTHENTICATED without it', async () => {
    const outcome = await lifecycle('v1', 'reject');
    expect(StatusName[outcome.code]).toBe('UNAUTHENTICATED');
    expect(outcome.details).toContain('invalid token');
  });

  it('both families: an SDK error whose message, URL and headers hold the token → INTERNAL without it', async () => {
    const v1 = await lifecycle('v1', 'sdk-error');
    const v2 = await lifecycle('v2', 'sdk-error', { backend_token: CANARY.connection });
    for (const outcome of [v1, v2]) {
      expect(StatusName[outcome.code]).toBe('INTERNAL');
      expect(outcome.details).toContain('VendorSdkError');
    }
  });
});

describe('nothing comes out', () => {
  const describeLeaks = (leaks: Leak[]) => leaks.map((l) => `${l.where}: ${l.form.label} … ${l.excerpt}`);

  it('no gRPC reply holds a canary (messages, custom_info, resource_meta, details, trailers)', () => {
    // 2 full lifecycles (3 replies each) and 4 refused creates.
    expect(replies.length).toBe(10);
    const leaks = replies.flatMap(({ where, outcome }) => [
      ...findLeaks(outcome.details, `${where} details`, FORMS),
      ...findLeaks(outcome.trailers, `${where} trailers`, FORMS),
      // latin1 keeps every byte, so canaries inside binary protobuf fields are found too.
      ...outcome.responses.flatMap((bytes) =>
        findLeaks(bytes.toString('latin1'), `${where} response`, FORMS),
      ),
    ]);
    expect(describeLeaks(leaks)).toEqual([]);
  });

  it('no log line holds a canary, although the connector logged its config, headers and the 401 body', () => {
    const text = service.output;
    // The connector did log what it should not have: the scan below is meaningful.
    expect(text).toContain('submitting job');
    expect(text).toContain('backend refused the credentials');
    expect(text).toContain('[REDACTED]');
    expect(describeLeaks(findLeaks(text, 'service output', FORMS))).toEqual([]);
  });

  it('neither /metrics nor /healthz holds a canary', async () => {
    const metrics = await httpGet(service.metricsPort, '/metrics');
    const health = await httpGet(service.metricsPort, '/healthz');
    expect(metrics.body).toContain('flyte_connector_requests_success_total');
    expect(
      describeLeaks([
        ...findLeaks(metrics.body, '/metrics', FORMS),
        ...findLeaks(health.body, '/healthz', FORMS),
      ]),
    ).toEqual([]);
  });
});
