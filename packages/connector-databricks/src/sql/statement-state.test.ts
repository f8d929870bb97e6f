import { describe, expect, it } from 'vitest';
import type { StatementMeta } from './meta.js';
import { statementResource, type PreviewOutcome } from './statement-state.js';
import { OPERATION_STATE, STATUS_CODE, type TGetOperationStatusResp } from './thrift-types.js';

const meta: StatementMeta = {
  endpoint: 'dbc-1234.cloud.databricks.com',
  path: '/sql/1.0/warehouses/abc',
  statementId: '01ef0000-1111-2222-3333-444455556666',
  statementSecret: 'c2VjcmV0c2VjcmV0c2VjcmV0',
  hasResultSet: true,
  sessionId: '01ef0000-aaaa-bbbb-cccc-ddddeeeeffff',
};
const none: PreviewOutcome = { kind: 'none' };

function status(
  operationState: number,
  extra: Partial<TGetOperationStatusResp> = {},
): TGetOperationStatusResp {
  return { status: { statusCode: STATUS_CODE.SUCCESS }, operationState, ...extra };
}

describe('statementResource', () => {
  it.each([
    [OPERATION_STATE.INITIALIZED, 'INITIALIZING'],
    [OPERATION_STATE.PENDING, 'QUEUED'],
    [OPERATION_STATE.RUNNING, 'RUNNING'],
    [OPERATION_STATE.FINISHED, 'SUCCEEDED'],
    [OPERATION_STATE.CANCELED, 'ABORTED'],
    [OPERATION_STATE.CLOSED, 'RETRYABLE_FAILED'],
    [OPERATION_STATE.ERROR, 'FAILED'],
    [OPERATION_STATE.TIMEDOUT, 'FAILED'],
    [OPERATION_STATE.UNKNOWN, 'RUNNING'],
    [99, 'RUNNING'],
  ])('maps TOperationState %i to %s with a message', (state, phase) => {
    const resource = statementResource(status(state), meta, false, none);
    expect(resource.phase).toBe(phase);
    expect(resource.message).toMatch(/\S/);
    expect(resource.logLinks?.[0]?.uri).toBe(
      'https://dbc-1234.cloud.databricks.com/sql/history?queryId=01ef0000-1111-2222-3333-444455556666',
    );
  });

  it('names a state it does not know', () => {
    expect(statementResource(status(99), meta, false, none).message).toContain('#99');
  });

  it('carries the warehouse error and SQLSTATE of a failed statement', () => {
    const resource = statementResource(
      status(OPERATION_STATE.ERROR, {
        displayMessage: '[DIVIDE_BY_ZERO] Division by zero.',
        sqlState: '22012',
      }),
      meta,
      false,
      none,
    );
    expect(resource.message).toContain('[DIVIDE_BY_ZERO] Division by zero. [SQLSTATE 22012]');
  });

  it('fills the results output with the result table, and fails clearly without one', () => {
    const withTable = statementResource(
      status(OPERATION_STATE.FINISHED),
      { ...meta, resultTable: 'main.sales.daily' },
      true,
      none,
    );
    expect(withTable.outputs).toEqual({
      results: 'databricks://dbc-1234.cloud.databricks.com/main.sales.daily',
    });
    const withoutTable = statementResource(status(OPERATION_STATE.FINISHED), meta, true, none);
    expect(withoutTable.phase).toBe('FAILED');
    expect(withoutTable.message).toContain('result_table');
  });

  it('shows the preview, or why it is missing, in custom_info', () => {
    const preview = statementResource(status(OPERATION_STATE.FINISHED), meta, false, {
      kind: 'preview',
      preview: { columns: ['a'], rows: [[1]], truncated: true },
    });
    expect(preview.customInfo).toMatchObject({ preview: { columns: ['a'], rows: [[1]], truncated: true } });
    const failed = statementResource(status(OPERATION_STATE.FINISHED), meta, false, {
      kind: 'error',
      message: 'boom',
    });
    expect(failed.phase).toBe('SUCCEEDED');
    expect(failed.customInfo).toMatchObject({ previewError: 'boom' });
  });
});
