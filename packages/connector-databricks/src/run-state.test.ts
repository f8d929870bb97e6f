import { describe, expect, it } from 'vitest';
import { runResource } from './run-state.js';

const BASE = 'https://dbc-1.cloud.databricks.com';

function resource(life: string, result?: string, message = 'detail text') {
  return runResource(
    {
      job_id: 42,
      run_id: 7,
      state: {
        life_cycle_state: life,
        ...(result === undefined ? {} : { result_state: result }),
        state_message: message,
      },
    },
    BASE,
    7,
  );
}

describe('runResource', () => {
  it.each([
    ['QUEUED', undefined, 'WAITING_FOR_RESOURCES', /queued/],
    ['BLOCKED', undefined, 'WAITING_FOR_RESOURCES', /blocked/],
    ['WAITING_FOR_RETRY', undefined, 'WAITING_FOR_RESOURCES', /waiting to be retried/],
    ['PENDING', undefined, 'INITIALIZING', /pending/],
    ['RUNNING', undefined, 'RUNNING', /is running/],
    ['TERMINATING', undefined, 'RUNNING', /terminating/],
    ['TERMINATED', undefined, 'RUNNING', /waiting for its result state/],
    ['SKIPPED', undefined, 'FAILED', /skipped/],
    ['INTERNAL_ERROR', undefined, 'RETRYABLE_FAILED', /internal error/],
    ['INTERNAL_ERROR', 'FAILED', 'FAILED', /failed/],
    ['TERMINATED', 'SUCCESS', 'SUCCEEDED', /succeeded/],
    ['TERMINATED', 'SUCCESS_WITH_FAILURES', 'SUCCEEDED', /with failures/],
    ['TERMINATED', 'FAILED', 'FAILED', /failed/],
    ['TERMINATED', 'TIMEDOUT', 'FAILED', /timed out/],
    ['TERMINATED', 'CANCELED', 'ABORTED', /cancelled/],
    ['TERMINATED', 'MAXIMUM_CONCURRENT_RUNS_REACHED', 'RETRYABLE_FAILED', /maximum of concurrent runs/],
    ['TERMINATED', 'EXCLUDED', 'FAILED', /excluded/],
    ['TERMINATED', 'UPSTREAM_FAILED', 'FAILED', /upstream task failed/],
    ['TERMINATED', 'UPSTREAM_CANCELED', 'ABORTED', /upstream task was cancelled/],
    ['TERMINATED', 'DISABLED', 'FAILED', /disabled/],
    ['TERMINATED', 'SOMETHING_NEW', 'RUNNING', /'SOMETHING_NEW'/],
    ['PAUSED_FOR_REVIEW', undefined, 'RUNNING', /'PAUSED_FOR_REVIEW'/],
    ['RUNNING', 'SUCCESS', 'RUNNING', /is running/],
  ] as const)('maps %s / %s to %s', (life, result, phase, message) => {
    const mapped = resource(life, result);
    expect(mapped.phase).toBe(phase);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).toContain('detail text');
    expect(mapped.logLinks?.[0]).toMatchObject({ name: 'Databricks Console', uri: `${BASE}/#job/42/run/7` });
  });

  it('reports the run in custom_info', () => {
    expect(resource('TERMINATED', 'SUCCESS').customInfo).toEqual({
      runId: 7,
      jobId: 42,
      lifeCycleState: 'TERMINATED',
      resultState: 'SUCCESS',
    });
  });
});
