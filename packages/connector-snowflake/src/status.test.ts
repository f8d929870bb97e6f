import { describe, expect, it } from 'vitest';
import type { QueryMeta } from './meta.js';
import { queryLink, queryResource, resultsUri } from './status.js';

const META: QueryMeta = {
  account: 'ORG-ACCT',
  user: 'U',
  database: 'DB',
  schema: 'SC',
  warehouse: 'WH',
  query_id: '01b2c3d4-0000-4000-8000-000000000001',
  has_output: true,
};

describe('queryResource', () => {
  it.each([
    ['RUNNING', 'RUNNING', /running/],
    ['QUEUED', 'QUEUED', /queued/],
    ['RESUMING_WAREHOUSE', 'WAITING_FOR_RESOURCES', /resume/],
    ['QUEUED_REPARING_WAREHOUSE', 'WAITING_FOR_RESOURCES', /repaired/],
    ['QUEUED_REPAIRING_WAREHOUSE', 'WAITING_FOR_RESOURCES', /repaired/],
    ['BLOCKED', 'WAITING_FOR_RESOURCES', /lock/],
    ['SUCCESS', 'SUCCEEDED', /succeeded/],
    ['FAILED_WITH_ERROR', 'FAILED', /E1: boom/],
    ['FAILED_WITH_INCIDENT', 'FAILED', /incident: E1: boom/],
    ['ABORTING', 'ABORTED', /being cancelled/],
    ['ABORTED', 'ABORTED', /cancelled/],
    ['DISCONNECTED', 'RETRYABLE_FAILED', /disconnected/],
    ['RESTARTED', 'RUNNING', /restarted/],
    ['NO_DATA', 'RUNNING', /no status/],
    ['NO_QUERY_DATA', 'RUNNING', /no status/],
    ['SOMETHING_NEW', 'RUNNING', /'SOMETHING_NEW'/],
  ] as const)('maps %s to %s', (status, phase, message) => {
    const resource = queryResource({ status, errorCode: 'E1', errorMessage: 'boom' }, META, 'v2');
    expect(resource.phase).toBe(phase);
    expect(resource.message).toMatch(message);
    expect(resource.logLinks?.[0]?.uri).toBe(
      `https://app.snowflake.com/ORG/ACCT/#/compute/history/queries/${META.query_id}/detail`,
    );
  });

  it('fills results only when the task declares it', () => {
    expect(queryResource({ status: 'SUCCESS' }, META, 'v1').outputs).toEqual({
      results: `snowflake://U:ORG-ACCT/WH/DB/SC/${META.query_id}`,
    });
    expect(
      queryResource({ status: 'SUCCESS' }, { ...META, has_output: false }, 'v1').outputs,
    ).toBeUndefined();
  });
});

describe('links and URIs', () => {
  it('splits the account identifier on its first dash only', () => {
    expect(queryLink('MY-ORG-ACCT', 'q').uri).toBe(
      'https://app.snowflake.com/MY/ORG-ACCT/#/compute/history/queries/q/detail',
    );
  });

  it('writes each family’s structured dataset URI form', () => {
    expect(resultsUri(META, 'v1')).toBe(`snowflake://U:ORG-ACCT/WH/DB/SC/${META.query_id}`);
    expect(resultsUri(META, 'v2')).toBe(`snowflake://U/ORG-ACCT/WH/DB/SC/${META.query_id}`);
  });
});
