import { describe, expect, it } from 'vitest';
import type { JobMetadata } from '@google-cloud/bigquery';
import { consoleLink, jobResource } from './job-status.js';

const meta = { jobId: 'flyte_abc', project: 'p', location: 'EU' };
const destination = { projectId: 'p', datasetId: 'd', tableId: 't' };

function job(status: JobMetadata['status'], extra: Partial<JobMetadata> = {}): JobMetadata {
  return {
    jobReference: { projectId: 'p', jobId: 'flyte_abc', location: 'EU' },
    configuration: { query: { query: 'SELECT 1', destinationTable: destination } },
    status,
    ...extra,
  };
}

describe('jobResource', () => {
  it.each([
    [{ state: 'PENDING' }, 'INITIALIZING'],
    [{ state: 'RUNNING' }, 'RUNNING'],
    [{ state: 'DONE' }, 'SUCCEEDED'],
    [{ state: 'DONE', errorResult: { reason: 'invalidQuery', message: 'Syntax error' } }, 'FAILED'],
    [
      { state: 'DONE', errorResult: { reason: 'stopped', message: 'Job execution was cancelled' } },
      'ABORTED',
    ],
    [{ state: 'DONE', errorResult: { reason: 'backendError', message: 'try again' } }, 'RETRYABLE_FAILED'],
    [{ state: 'DONE', errors: [{ reason: 'invalid', message: 'a warning about one row' }] }, 'SUCCEEDED'],
  ])('maps %j to %s', (status, phase) => {
    expect(jobResource(job(status), meta, false).phase).toBe(phase);
  });

  it('reports the failure reason and message, and extra errors', () => {
    const resource = jobResource(
      job({
        state: 'DONE',
        errorResult: { reason: 'invalidQuery', message: 'Syntax error' },
        errors: [
          { reason: 'invalidQuery', message: 'Syntax error' },
          { reason: 'invalid', message: 'detail' },
        ],
      }),
      meta,
      false,
    );
    expect(resource.message).toBe(
      'BigQuery job flyte_abc failed: invalidQuery: Syntax error; invalid: detail',
    );
  });

  it('fills results with the destination table, or fails when there is none', () => {
    expect(jobResource(job({ state: 'DONE' }), meta, true).outputs).toEqual({ results: 'bq://p:d.t' });
    const ddl = jobResource(
      job(
        { state: 'DONE' },
        {
          configuration: { query: { query: 'CREATE TABLE x (a INT64)' } },
          statistics: { query: { statementType: 'CREATE_TABLE' } },
        },
      ),
      meta,
      true,
    );
    expect(ddl.phase).toBe('FAILED');
    expect(ddl.message).toMatch(/without a destination table \(statement type CREATE_TABLE\)/);
  });

  it('reports cost figures as custom info', () => {
    const resource = jobResource(
      job(
        { state: 'DONE' },
        {
          statistics: {
            creationTime: '1700000000000',
            totalSlotMs: '99',
            query: {
              totalBytesProcessed: '1024',
              totalBytesBilled: '10485760',
              cacheHit: false,
              statementType: 'SELECT',
            },
          },
        },
      ),
      meta,
      false,
    );
    expect(resource.customInfo).toMatchObject({
      jobId: 'flyte_abc',
      location: 'EU',
      totalBytesProcessed: 1024,
      totalBytesBilled: 10485760,
      totalSlotMs: 99,
      cacheHit: false,
      statementType: 'SELECT',
      destinationTable: 'p:d.t',
      creationTime: '2023-11-14T22:13:20.000Z',
    });
  });
});

describe('consoleLink', () => {
  it('is the Python connectors link', () => {
    expect(consoleLink(meta).uri).toBe(
      'https://console.cloud.google.com/bigquery?project=p&j=bq:EU:flyte_abc&page=queryresults',
    );
  });
});
