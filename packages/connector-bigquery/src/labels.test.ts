import { describe, expect, it } from 'vitest';
import type { TaskExecutionInfo, TaskTemplate } from '@org/connector-core';
import { identityLabels, mergeLabels, sanitizeLabelValue } from './labels.js';

const execution = {
  metadata: { taskExecutionId: {} },
  project: 'Flyte-Snacks',
  domain: 'development',
  executionName: 'f3a9e1c2b',
  nodeId: 'n1-0-dn2',
  retryAttempt: 2,
} as unknown as TaskExecutionInfo;
const template = { id: { name: 'workflows.sql.BigQuery_Task' } } as unknown as TaskTemplate;

describe('identityLabels', () => {
  it('labels the job with the execution identity, sanitized to BigQuery rules', () => {
    expect(identityLabels(execution, template)).toEqual({
      flyte_project: 'flyte-snacks',
      flyte_domain: 'development',
      flyte_execution: 'f3a9e1c2b',
      flyte_node: 'n1-0-dn2',
      flyte_task: 'workflows_sql_bigquery_task',
      flyte_attempt: '2',
    });
  });

  it('leaves out what the request does not carry', () => {
    const bare = {
      metadata: undefined,
      project: '',
      domain: '',
      executionName: '',
      nodeId: '',
      retryAttempt: 0,
    };
    expect(identityLabels(bare as unknown as TaskExecutionInfo, {} as TaskTemplate)).toEqual({});
  });
});

describe('sanitizeLabelValue', () => {
  it('keeps long values distinct within 63 characters', () => {
    const a = sanitizeLabelValue(`${'x'.repeat(70)}a`);
    const b = sanitizeLabelValue(`${'x'.repeat(70)}b`);
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
    expect(sanitizeLabelValue('Ünïcode Name!')).toBe('ünïcode_name_');
  });
});

describe('mergeLabels', () => {
  it('adds identity labels to the task labels', () => {
    expect(mergeLabels({ team: 'data' }, { flyte_project: 'p' })).toEqual({
      team: 'data',
      flyte_project: 'p',
    });
  });

  it.each([
    [{ Team: 'x' }, /not a valid BigQuery label key/],
    [{ team: 'Data' }, /value of 'team' is not a valid/],
    [{ flyte_project: 'spoof' }, /reserved prefix/],
    [Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v'])), /too many labels/],
  ])('refuses %j', (labels, message) => {
    expect(() => mergeLabels(labels, { flyte_project: 'p' })).toThrow(message);
  });
});
