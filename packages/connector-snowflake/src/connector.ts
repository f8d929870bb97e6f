import {
  AsyncConnector,
  BackendUnavailableError,
  InvalidArgumentError,
  type CreateContext,
  type OperationContext,
  type Resource,
  type ResolvedParams,
  type TaskExecutionInfo,
  type TaskTemplate,
} from '@org/connector-core';
import type { Connection } from 'snowflake-sdk';
import { describe, driverFailure, isAuthFailure, toConnectorError, withDeadline } from './errors.js';
import { QUERY_ID, queryMetaCodec, type QueryMeta } from './meta.js';
import { ConnectionPool } from './pool.js';
import type { ConnectionSettings } from './sdk.js';
import { bindBatchStatement, bindStatement, statementOf, type BindValue } from './sql.js';
import { queryLink, queryResource, RESULTS_OUTPUT, type QueryState } from './status.js';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_POOL_IDLE_MS,
  DEFAULT_POOL_MAX_AGE_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  snowflakeSpec,
  type SnowflakeParams,
} from './spec.js';

/** The task type flytekit's and flyte-sdk's SnowflakeTask serialize. */
export const SNOWFLAKE_TASK_TYPE = 'snowflake';

type Params = Partial<ResolvedParams<SnowflakeParams>>;

/** Where a query runs: what resource_meta records besides the query id. */
type Target = Omit<QueryMeta, 'query_id' | 'has_output'>;

/**
 * Runs flytekit / flyte-sdk `SnowflakeTask` queries: create submits the statement asynchronously (asyncExec) over a
 * pooled key-pair session, get maps the query status to a Flyte phase, delete cancels the query.
 */
export class SnowflakeConnector extends AsyncConnector<QueryMeta, SnowflakeParams> {
  readonly name = 'Snowflake Connector';
  readonly taskCategory = { name: SNOWFLAKE_TASK_TYPE, version: 0 };
  readonly spec = snowflakeSpec;
  readonly metaCodec = queryMetaCodec;
  // Snowflake has no idempotency key for a new query: a repeated CreateTask runs the statement again.
  override readonly idempotentCreate = false;

  private readonly pool = new ConnectionPool(DEFAULT_POOL_IDLE_MS);

  override close(): Promise<void> {
    this.pool.clear();
    return Promise.resolve();
  }

  override onSecretsChanged(keys: readonly string[]): void {
    // Pool entries are keyed by key hash, so a rotated key logs in anew; this releases the old sessions.
    if (keys.some((key) => key.toLowerCase().startsWith('snowflake_private_key'))) this.pool.clear();
  }

  async create(ctx: CreateContext<SnowflakeParams>): Promise<QueryMeta> {
    const sql = statementOf(ctx.template);
    const statement = isBatch(ctx.template)
      ? bindBatchStatement(sql, ctx.inputs)
      : bindStatement(sql, ctx.inputs);
    const target: Target = {
      account: ctx.params.account,
      user: ctx.params.user,
      database: ctx.params.database ?? '',
      schema: ctx.params.schema ?? '',
      warehouse: ctx.params.warehouse ?? '',
      ...(ctx.params.role === undefined ? {} : { role: ctx.params.role }),
    };
    const timeoutMs = ctx.params.request_timeout_ms;
    let submitted: Submitted;
    try {
      const connection = await this.connection(target, ctx.params, ctx.params.snowflake_private_key);
      submitted = await withDeadline(
        submit(connection, statement.sqlText, statement.binds, queryTag(ctx.execution, ctx.template)),
        timeoutMs,
        'Submitting the Snowflake query',
      );
    } catch (error) {
      throw toConnectorError(error, 'Submitting the Snowflake query failed');
    }
    const queryId = submitted.queryId;
    if (submitted.refused)
      ctx.logger.warn({ queryId }, 'Snowflake refused the statement; GetTask reports why');
    ctx.logger.info(
      { account: target.account, warehouse: target.warehouse, queryId, binds: statement.names },
      'Snowflake query submitted',
    );
    return { ...target, query_id: queryId, has_output: ctx.outputTypes.has(RESULTS_OUTPUT) };
  }

  async get(meta: QueryMeta, ctx: OperationContext<SnowflakeParams>): Promise<Resource> {
    let state: QueryState;
    try {
      const connection = await this.connection(meta, ctx.params, requireKey(ctx.params));
      state = await withDeadline(
        queryState(connection, meta.query_id),
        timeoutOf(ctx.params),
        `Reading Snowflake query ${meta.query_id}`,
      );
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return getFailure(error, meta);
    }
    return queryResource(state, meta, ctx.protocol);
  }

  async delete(meta: QueryMeta, ctx: OperationContext<SnowflakeParams>): Promise<void> {
    try {
      const connection = await this.connection(meta, ctx.params, requireKey(ctx.params));
      const answer = await withDeadline(
        cancel(connection, meta.query_id),
        timeoutOf(ctx.params),
        `Cancelling Snowflake query ${meta.query_id}`,
      );
      ctx.logger.info({ queryId: meta.query_id, answer }, 'Snowflake query cancel requested');
    } catch (error) {
      if (isUnknownQuery(error)) {
        ctx.logger.info({ queryId: meta.query_id }, 'Snowflake query unknown; nothing to cancel');
        return;
      }
      throw toConnectorError(error, `Cancelling Snowflake query ${meta.query_id} failed`);
    }
  }

  private connection(target: Target, params: Params, privateKey: string): Promise<Connection> {
    const settings: ConnectionSettings = {
      account: target.account,
      user: target.user,
      role: target.role,
      warehouse: target.warehouse,
      database: target.database,
      schema: target.schema,
      privateKey: normalizePem(privateKey),
      passphrase: params.snowflake_private_key_passphrase,
      accessUrl: params.access_url,
      timeoutMs: timeoutOf(params),
      maxRetries: params.max_retries ?? DEFAULT_MAX_RETRIES,
    };
    return withDeadline(
      this.pool.get(settings, params.pool_max_age_ms ?? DEFAULT_POOL_MAX_AGE_MS),
      timeoutOf(params),
      'Logging in to Snowflake',
    );
  }
}

function timeoutOf(params: Params): number {
  return params.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

function requireKey(params: Params): string {
  const key = params.snowflake_private_key;
  if (key === undefined) {
    throw new InvalidArgumentError(
      'No Snowflake private key: send the connection secret snowflake_private_key (Flyte 2) or mount the server secret snowflake_private_key (Flyte 1).',
    );
  }
  return key;
}

/** PEM text as secrets often carry it (CRLF, or `\n` escaped in an environment variable), made strict PEM. */
export function normalizePem(pem: string): string {
  return pem.replace(/\\n/g, '\n').replace(/\r\n?/g, '\n').trim() + '\n';
}

function isBatch(template: TaskTemplate): boolean {
  const custom = template.custom as Record<string, unknown> | undefined;
  return custom?.['batch'] === true;
}

/** The Flyte execution identity, as the statement's QUERY_TAG (Snowflake allows 2000 characters). */
export function queryTag(execution: TaskExecutionInfo, template: TaskTemplate): string {
  const tag = {
    flyte_project: execution.project,
    flyte_domain: execution.domain,
    flyte_execution: execution.executionName,
    flyte_node: execution.nodeId,
    flyte_attempt: execution.retryAttempt,
    flyte_task: template.id?.name ?? '',
  };
  return JSON.stringify(tag).slice(0, 2000);
}

/**
 * `POST /queries/v1/query-request` with asyncExec: Snowflake answers code 333334 and the query id at once. The driver
 * does not pass a refused statement's error to the callback in asyncExec mode (it reports success without a result);
 * when Snowflake still named a query id (a compile error is recorded as a failed query), that id is returned and
 * GetTask reports the failure with its code and message from the query history.
 */
function submit(
  connection: Connection,
  sqlText: string,
  binds: BindValue[],
  tag: string,
): Promise<Submitted> {
  return new Promise<Submitted>((resolve, reject) => {
    connection.execute({
      sqlText,
      binds,
      asyncExec: true,
      parameters: { QUERY_TAG: tag },
      complete: (error, statement, result) => {
        if (error) return reject(error);
        const accepted = (result as { queryId?: unknown } | undefined)?.queryId;
        const queryId = typeof accepted === 'string' ? accepted : statement.getQueryId();
        if (typeof queryId !== 'string' || !QUERY_ID.test(queryId)) {
          return reject(
            new BackendUnavailableError('Snowflake did not accept the query: its answer named no query id'),
          );
        }
        resolve({ queryId, refused: typeof accepted !== 'string' });
      },
    });
  });
}

interface Submitted {
  readonly queryId: string;
  /** Snowflake refused the statement (its failure is read back by GetTask). */
  readonly refused: boolean;
}

/**
 * `GET /monitoring/queries/{id}`. The driver's getQueryStatusThrowIfError answers the status, or throws for the
 * statuses it counts as errors with the monitoring answer attached, from which the status, code and message are read.
 */
async function queryState(connection: Connection, queryId: string): Promise<QueryState> {
  try {
    const status = await connection.getQueryStatusThrowIfError(queryId);
    return { status: String(status) };
  } catch (error) {
    const query = monitoredQuery(error);
    if (query === undefined) throw error;
    return query;
  }
}

function monitoredQuery(error: unknown): QueryState | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ((error as { name?: unknown }).name !== 'OperationFailedError') return undefined;
  const data = (error as { data?: { data?: { queries?: unknown } } }).data;
  const queries = data?.data?.queries;
  if (!Array.isArray(queries) || queries.length === 0) return undefined;
  const first = queries[0] as { status?: unknown; errorCode?: unknown; errorMessage?: unknown };
  if (typeof first.status !== 'string') return undefined;
  return {
    status: first.status,
    ...(typeof first.errorCode === 'string' || typeof first.errorCode === 'number'
      ? { errorCode: String(first.errorCode) }
      : {}),
    ...(typeof first.errorMessage === 'string' ? { errorMessage: first.errorMessage } : {}),
  };
}

/** `SELECT SYSTEM$CANCEL_QUERY(?)`: answers a text for running and finished queries alike. */
function cancel(connection: Connection, queryId: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    connection.execute({
      sqlText: 'SELECT SYSTEM$CANCEL_QUERY(?)',
      binds: [queryId],
      complete: (error, _statement, rows) => {
        if (error) reject(error);
        else {
          const row = (rows?.[0] ?? {}) as Record<string, unknown>;
          const answer = Object.values(row)[0];
          resolve(typeof answer === 'string' ? answer : '');
        }
      },
    });
  });
}

/** Snowflake's answer to cancelling a query id it does not know. */
function isUnknownQuery(error: unknown): boolean {
  const failure = driverFailure(error);
  return (
    failure.kind === 'OperationFailedError' &&
    (failure.code === '000709' || /not found|does not exist|not currently executing/i.test(failure.message))
  );
}

/** Get could not read the query: keep polling through transient trouble, fail clearly on lasting trouble. */
function getFailure(error: unknown, meta: QueryMeta): Resource {
  const failure = driverFailure(error);
  if (failure.transient) {
    throw new BackendUnavailableError(
      `Snowflake did not answer for query ${meta.query_id} (${describe(failure)}); will check again.`,
      { cause: new Error(describe(failure)) },
    );
  }
  if (isAuthFailure(failure)) {
    return {
      phase: 'FAILED',
      message: `Lost access to Snowflake query ${meta.query_id} (${describe(failure)}); the query may still be running.`,
      logLinks: [queryLink(meta.account, meta.query_id)],
    };
  }
  throw toConnectorError(error, `Reading Snowflake query ${meta.query_id} failed`);
}
