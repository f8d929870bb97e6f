import { jsonMetaCodec } from '@org/connector-core';

/**
 * What Flyte stores between calls (resource_meta): enough to find the job again, nothing secret. A dry run
 * creates no job that could be looked up later, so its estimate travels here instead.
 */
export interface BigQueryJobMeta {
  readonly jobId: string;
  readonly project: string;
  /** The job's location as BigQuery reported it; absent only when BigQuery did not say. */
  readonly location?: string;
  readonly dryRun?: DryRunEstimate;
}

export interface DryRunEstimate {
  readonly totalBytesProcessed: string;
  readonly statementType?: string;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;

function parseMeta(value: unknown): BigQueryJobMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected an object');
  const record = value as Record<string, unknown>;
  const { jobId, project, location, dryRun } = record;
  if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) throw new Error('jobId: expected a BigQuery job id');
  if (typeof project !== 'string' || project === '') throw new Error('project: expected a project id');
  if (location !== undefined && typeof location !== 'string') throw new Error('location: expected a string');
  return {
    jobId,
    project,
    ...(location === undefined ? {} : { location }),
    ...(dryRun === undefined ? {} : { dryRun: parseDryRun(dryRun) }),
  };
}

function parseDryRun(value: unknown): DryRunEstimate {
  if (typeof value !== 'object' || value === null) throw new Error('dryRun: expected an object');
  const { totalBytesProcessed, statementType } = value as Record<string, unknown>;
  if (typeof totalBytesProcessed !== 'string')
    throw new Error('dryRun.totalBytesProcessed: expected a string');
  if (statementType !== undefined && typeof statementType !== 'string') {
    throw new Error('dryRun.statementType: expected a string');
  }
  return { totalBytesProcessed, ...(statementType === undefined ? {} : { statementType }) };
}

export const bigQueryMetaCodec = jsonMetaCodec(parseMeta);
