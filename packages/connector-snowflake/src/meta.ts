import { jsonMetaCodec } from '@org/connector-core';

/**
 * What Flyte stores between calls (resource_meta): where the query runs and its id, never the key. GetTask and
 * DeleteTask resolve the key again (connection secret or server secret).
 */
export interface QueryMeta {
  readonly account: string;
  readonly user: string;
  readonly database: string;
  readonly schema: string;
  readonly warehouse: string;
  /** The session role, when the task named one (part of the pooled connection's identity). */
  readonly role?: string;
  readonly query_id: string;
  /** The task declares the `results` output. */
  readonly has_output: boolean;
}

/** Snowflake query ids are UUIDs (the driver refuses anything else). */
export const QUERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseMeta(value: unknown): QueryMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected an object');
  const record = value as Record<string, unknown>;
  const text = (key: string, required: boolean): string => {
    const v = record[key];
    if (v === undefined && !required) return '';
    if (typeof v !== 'string') throw new Error(`${key}: expected a string`);
    return v;
  };
  const account = text('account', true);
  const user = text('user', true);
  if (account === '' || user === '') throw new Error('account and user must not be empty');
  const queryId = text('query_id', true);
  if (!QUERY_ID.test(queryId)) throw new Error('query_id: expected a Snowflake query id (UUID)');
  const hasOutput = record['has_output'];
  if (typeof hasOutput !== 'boolean') throw new Error('has_output: expected a boolean');
  const role = record['role'];
  if (role !== undefined && typeof role !== 'string') throw new Error('role: expected a string');
  return {
    account,
    user,
    database: text('database', false),
    schema: text('schema', false),
    warehouse: text('warehouse', false),
    ...(role === undefined || role === '' ? {} : { role }),
    query_id: queryId,
    has_output: hasOutput,
  };
}

export const queryMetaCodec = jsonMetaCodec(parseMeta);
