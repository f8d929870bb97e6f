// The local backend against the SDK's own high-level API (not the connector): if the SDK can run a query, read
// its rows, and sees BigQuery's errors where BigQuery would give them, the backend speaks the protocol.
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryBackend } from './bigquery-backend.js';

let backend: BigQueryBackend;
let bigquery: BigQuery;

beforeAll(async () => {
  backend = await BigQueryBackend.start({
    requireAuth: false,
    plan: { mode: 'auto', runningMs: 100, rows: [1, 2, 3] },
  });
  bigquery = new BigQuery({ projectId: 'p', apiEndpoint: backend.url, retryOptions: { autoRetry: false } });
});

afterAll(async () => {
  await backend?.close();
});

describe('the local BigQuery backend, driven by the SDK', () => {
  it('runs a parameterized query job and serves its rows through getQueryResults', async () => {
    const [job] = await bigquery.createQueryJob({ query: 'SELECT @n', params: { n: 5 }, location: 'EU' });
    const [rows] = await job.getQueryResults();
    expect(rows).toEqual([{ f0_: 1 }, { f0_: 2 }, { f0_: 3 }]);
    const request = backend.requestsFor('jobs.insert').at(-1)!;
    expect(request.path).toBe('/projects/p/jobs');
    expect((request.body as { configuration: { query: unknown } }).configuration.query).toMatchObject({
      query: 'SELECT @n',
      useLegacySql: false,
      queryParameters: [{ name: 'n', parameterType: { type: 'INT64' }, parameterValue: { value: 5 } }],
    });
    expect(backend.requestsFor('jobs.getQueryResults').at(-1)!.query['location']).toBe('EU');
  });

  it('answers a duplicate job id with 409 duplicate, as BigQuery does', async () => {
    await bigquery.createJob({
      jobId: 'fixed_id',
      configuration: { query: { query: 'SELECT 1', useLegacySql: false } },
    });
    const error = await bigquery
      .createJob({ jobId: 'fixed_id', configuration: { query: { query: 'SELECT 1', useLegacySql: false } } })
      .then(
        () => undefined,
        (e: unknown) => e as { code: number; errors: { reason: string }[]; message: string },
      );
    expect(error?.code).toBe(409);
    expect(error?.errors[0]?.reason).toBe('duplicate');
    expect(error?.message).toBe('Already Exists: Job p:US.fixed_id');
  });

  it('finds jobs outside US/EU only with their location, and fails unknown parameters in the job', async () => {
    await bigquery.createJob({
      jobId: 'tokyo_job',
      location: 'asia-northeast1',
      configuration: { query: { query: 'SELECT 1', useLegacySql: false } },
    });
    await expect(bigquery.job('tokyo_job').getMetadata()).rejects.toMatchObject({ code: 404 });
    const [metadata] = await bigquery.job('tokyo_job', { location: 'asia-northeast1' }).getMetadata();
    expect(metadata.jobReference).toEqual({
      projectId: 'p',
      jobId: 'tokyo_job',
      location: 'asia-northeast1',
    });

    const failed = await bigquery
      .createJob({
        jobId: 'bad_params',
        configuration: {
          query: {
            query: 'SELECT @missing',
            useLegacySql: false,
            parameterMode: 'NAMED',
            queryParameters: [],
          },
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e as { response: { status: { state: string; errorResult: { reason: string } } } },
      );
    // BigQuery creates the job and reports it DONE with the error; the SDK rejects while keeping the response.
    expect(failed?.response.status).toMatchObject({ state: 'DONE', errorResult: { reason: 'invalidQuery' } });
  });

  it('cancels asynchronously: the cancel answer shows the job running, the next get shows it stopped', async () => {
    backend.planNextJob({ mode: 'manual' });
    const [job] = await bigquery.createJob({
      jobId: 'to_cancel',
      configuration: { query: { query: 'SELECT 1', useLegacySql: false } },
    });
    backend.transition('to_cancel', 'RUNNING');
    const [answer] = await job.cancel();
    expect(answer.job?.status?.state).toBe('RUNNING');
    const [metadata] = await job.getMetadata();
    expect(metadata.status).toMatchObject({ state: 'DONE', errorResult: { reason: 'stopped' } });
  });

  it('answers jobs.get with only the fields asked for (partial response), and 400 for a bad selection', async () => {
    backend.planNextJob({ mode: 'manual' });
    await bigquery.createJob({
      jobId: 'partial',
      configuration: { query: { query: 'SELECT 1', useLegacySql: false }, labels: { team: 'a' } },
    });
    const job = bigquery.job('partial', { location: 'US' });
    const [selected] = await job.getMetadata({
      fields: 'jobReference/location,status(state),configuration(query(destinationTable/projectId))',
    });
    expect(selected).toEqual({
      jobReference: { location: 'US' },
      status: { state: 'PENDING' },
      configuration: { query: { destinationTable: { projectId: 'p' } } },
    });
    await expect(job.getMetadata({ fields: 'status(state' })).rejects.toMatchObject({ code: 400 });
    await expect(job.getMetadata({ fields: 'nonsense' })).rejects.toMatchObject({
      code: 400,
      message: 'Invalid field selection nonsense',
    });
  });

  it('refuses calls without a valid bearer token when auth is required (401)', async () => {
    backend.requireAuth = true;
    try {
      // Without credentials the SDK sends the request unauthenticated and, on the 401, reports the auth
      // library's own error instead.
      await expect(bigquery.job('to_cancel').getMetadata()).rejects.toThrow(
        /Could not load the default credentials/,
      );
      expect(backend.requests.at(-1)).toMatchObject({ op: 'jobs.get', principal: undefined });
    } finally {
      backend.requireAuth = false;
    }
  });

  it('serves the SDK at BIGQUERY_EMULATOR_HOST too (no /bigquery/v2 prefix)', async () => {
    const previous = process.env['BIGQUERY_EMULATOR_HOST'];
    process.env['BIGQUERY_EMULATOR_HOST'] = backend.url;
    try {
      const emulated = new BigQuery({ projectId: 'p', retryOptions: { autoRetry: false } });
      const [metadata] = await emulated.job('to_cancel').getMetadata();
      expect(metadata.jobReference?.jobId).toBe('to_cancel');
      expect(backend.requests.at(-1)!.path).toBe('/projects/p/jobs/to_cancel');
    } finally {
      if (previous === undefined) delete process.env['BIGQUERY_EMULATOR_HOST'];
      else process.env['BIGQUERY_EMULATOR_HOST'] = previous;
    }
  });
});
