import type { Batch } from 'openai/resources/batches';
import { describe, expect, it } from 'vitest';
import { batchResource } from './batch-status.js';

function batch(status: string, extra: Partial<Batch> = {}): Batch {
  return {
    id: 'batch_1',
    object: 'batch',
    endpoint: '/v1/chat/completions',
    input_file_id: 'file-1',
    completion_window: '24h',
    created_at: 0,
    status: status as Batch['status'],
    request_counts: { total: 4, completed: 1, failed: 1 },
    ...extra,
  };
}

describe('batchResource', () => {
  it.each([
    ['validating', 'RUNNING'],
    ['in_progress', 'RUNNING'],
    ['finalizing', 'RUNNING'],
    ['completed', 'SUCCEEDED'],
    ['failed', 'FAILED'],
    ['expired', 'FAILED'],
    ['cancelling', 'ABORTED'],
    ['cancelled', 'ABORTED'],
    ['queued_for_review', 'RUNNING'],
  ])('maps %s to %s', (status, phase) => {
    const resource = batchResource(batch(status), true);
    expect(resource.phase).toBe(phase);
    expect(resource.logLinks?.[0]?.uri).toBe('https://platform.openai.com/batches/batch_1');
  });

  it('reports request counts while running and names an unknown status', () => {
    expect(batchResource(batch('in_progress'), true).message).toContain('(1/4 requests done, 1 failed)');
    expect(batchResource(batch('queued_for_review'), true).message).toContain("'queued_for_review'");
  });

  it('carries the first error of a failed batch', () => {
    const failed = batch('failed', {
      errors: { object: 'list', data: [{ code: 'invalid_json_line', message: 'Line is not JSON', line: 3 }] },
    });
    expect(batchResource(failed, true).message).toBe(
      'Batch batch_1 failed: invalid_json_line: Line is not JSON (line 3)',
    );
  });

  it('returns the batch object as result only when the task declares it', () => {
    expect(batchResource(batch('completed'), true).outputs?.['result']).toMatchObject({ id: 'batch_1' });
    expect(batchResource(batch('completed'), false).outputs).toBeUndefined();
  });
});
