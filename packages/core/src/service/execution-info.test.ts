import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  TaskExecutionMetadataSchema,
  type TaskExecutionMetadata,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { executionInfo } from './execution-info.js';

interface Attempt {
  org?: string;
  project?: string;
  domain?: string;
  execution?: string;
  node?: string;
  task?: string;
  taskVersion?: string;
  retry?: number;
  namespace?: string;
  labels?: Record<string, string>;
}

function metadata(attempt: Attempt = {}): TaskExecutionMetadata {
  return create(TaskExecutionMetadataSchema, {
    taskExecutionId: {
      taskId: {
        project: 'flytesnacks',
        domain: 'development',
        name: attempt.task ?? 'wf.query',
        version: attempt.taskVersion ?? 'v1',
      },
      nodeExecutionId: {
        nodeId: attempt.node ?? 'n0',
        executionId: {
          org: attempt.org ?? '',
          project: attempt.project ?? 'flytesnacks',
          domain: attempt.domain ?? 'development',
          name: attempt.execution ?? 'exec-abc',
        },
      },
      retryAttempt: attempt.retry ?? 0,
    },
    namespace: attempt.namespace ?? 'flytesnacks-development',
    labels: attempt.labels ?? { team: 'data' },
  });
}

describe('executionInfo', () => {
  it('flattens the identity of the attempt', () => {
    const raw = metadata({ node: 'n3', retry: 2, labels: { team: 'ml', env: 'prod' } });
    const info = executionInfo(raw);
    expect(info).toMatchObject({
      metadata: raw,
      project: 'flytesnacks',
      domain: 'development',
      executionName: 'exec-abc',
      nodeId: 'n3',
      retryAttempt: 2,
      namespace: 'flytesnacks-development',
      labels: { team: 'ml', env: 'prod' },
    });
  });

  it('derives a 32-character hex attempt key that is the same for every repeated CreateTask of an attempt', () => {
    const first = executionInfo(metadata()).attemptKey;
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(executionInfo(metadata()).attemptKey).toBe(first);
    // Fields that do not identify the attempt do not change the key.
    expect(executionInfo(metadata({ namespace: 'other', labels: { any: 'thing' } })).attemptKey).toBe(first);
  });

  it.each<[string, Attempt]>([
    ['another retry attempt', { retry: 1 }],
    ['another node', { node: 'n1' }],
    ['another execution', { execution: 'exec-def' }],
    ['another project', { project: 'other' }],
    ['another domain', { domain: 'production' }],
    ['another org', { org: 'acme' }],
    ['another task', { task: 'wf.other' }],
    ['another task version', { taskVersion: 'v2' }],
  ])('gives %s a different attempt key', (_name, change) => {
    expect(executionInfo(metadata(change)).attemptKey).not.toBe(executionInfo(metadata()).attemptKey);
  });

  it('does not confuse identities whose fields only differ in where a separator falls', () => {
    const a = executionInfo(metadata({ execution: 'exec-a', node: 'b-n0' })).attemptKey;
    const b = executionInfo(metadata({ execution: 'exec-a-b', node: 'n0' })).attemptKey;
    expect(a).not.toBe(b);
  });

  it('has no attempt key and empty fields without a task execution id', () => {
    expect(executionInfo(undefined)).toEqual({
      metadata: undefined,
      project: '',
      domain: '',
      executionName: '',
      nodeId: '',
      retryAttempt: 0,
      namespace: '',
      labels: {},
      attemptKey: undefined,
    });

    const withoutId = create(TaskExecutionMetadataSchema, { namespace: 'ns', labels: { a: 'b' } });
    const info = executionInfo(withoutId);
    expect(info.attemptKey).toBeUndefined();
    expect(info.namespace).toBe('ns');
    expect(info.labels).toEqual({ a: 'b' });
  });
});
