import { jsonMetaCodec } from '@org/connector-core';
import { EXECUTE_STATEMENT, type TOperationHandle } from './thrift-types.js';

/**
 * What Flyte stores between calls (resource_meta), as readable JSON: the warehouse endpoint and the statement's
 * Thrift handles, which any replica can use again on its own connection. Never the token: GetTask and DeleteTask
 * resolve it again. The handle secrets are not credentials (they only name the operation to a caller that holds a
 * valid token for the workspace).
 */
export interface StatementMeta {
  /** `host` or `host:port`. */
  readonly endpoint: string;
  /** HTTP path of the warehouse. */
  readonly path: string;
  /** The statement (operation) GUID as a UUID: Databricks' statement id, shown in the query history. */
  readonly statementId: string;
  /** The operation handle's secret, base64. */
  readonly statementSecret: string;
  /** Whether the warehouse announced a result set when it accepted the statement. */
  readonly hasResultSet: boolean;
  /** The session that ran it (GUID as a UUID), for logs and support. */
  readonly sessionId: string;
  /** The table the statement's result was written to, when the task configured one. */
  readonly resultTable?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^[A-Za-z0-9+/]{22}==$|^[A-Za-z0-9+/]{1,64}={0,2}$/;

function parseMeta(value: unknown): StatementMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected an object');
  const record = value as Record<string, unknown>;
  const text = (key: string, pattern: RegExp): string => {
    const v = record[key];
    if (typeof v !== 'string' || !pattern.test(v)) throw new Error(`${key}: missing or malformed`);
    return v;
  };
  const hasResultSet = record['hasResultSet'];
  if (typeof hasResultSet !== 'boolean') throw new Error('hasResultSet: expected a boolean');
  const resultTable = record['resultTable'];
  if (resultTable !== undefined && (typeof resultTable !== 'string' || resultTable === ''))
    throw new Error('resultTable: expected a table name');
  return {
    endpoint: text('endpoint', /^[^:/\s]+(:\d{1,5})?$/),
    path: text('path', /^\/[^\s?#]*$/),
    statementId: text('statementId', UUID),
    statementSecret: text('statementSecret', BASE64),
    hasResultSet,
    sessionId: text('sessionId', UUID),
    ...(resultTable === undefined ? {} : { resultTable }),
  };
}

export const statementMetaCodec = jsonMetaCodec(parseMeta);

/** A GUID as the UUID text Databricks shows. */
export function uuidOf(guid: Buffer): string {
  const hex = guid.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The operation handle of a recorded statement, rebuilt for GetOperationStatus, CancelOperation... */
export function operationHandleOf(meta: StatementMeta): TOperationHandle {
  return {
    operationId: {
      guid: Buffer.from(meta.statementId.replace(/-/g, ''), 'hex'),
      secret: Buffer.from(meta.statementSecret, 'base64'),
    },
    operationType: EXECUTE_STATEMENT,
    hasResultSet: meta.hasResultSet,
  };
}
