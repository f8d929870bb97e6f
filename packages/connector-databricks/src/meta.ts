import { jsonMetaCodec } from '@org/connector-core';

/**
 * What Flyte stores between calls (resource_meta), as readable JSON: the workspace base URL and the run id. Never the
 * token (the Python Flyte 1 connector stores it there): GetTask and DeleteTask resolve it again.
 */
export interface RunMeta {
  /** `https://host[:port]` (or `http://` when the task named that scheme). */
  readonly instance: string;
  readonly runId: number;
}

function parseMeta(value: unknown): RunMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected an object');
  const { instance, runId } = value as Record<string, unknown>;
  if (typeof instance !== 'string' || !/^https?:\/\/[^\s/?#@]+$/.test(instance))
    throw new Error('instance: expected a workspace base URL');
  if (typeof runId !== 'number' || !Number.isSafeInteger(runId) || runId < 0)
    throw new Error('runId: expected a Databricks run id');
  return { instance, runId };
}

export const runMetaCodec = jsonMetaCodec(parseMeta);
