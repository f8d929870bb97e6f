import {
  AsyncConnector,
  BackendUnavailableError,
  InvalidArgumentError,
  type ConnectorEnvironment,
  type CreateContext,
  type LiteralType,
  type Logger,
  type OperationContext,
  type Resource,
  type ResolvedParams,
  type TaskTemplate,
} from '@org/connector-core';
import {
  assertStatus,
  isAuthFailure,
  sqlFailure,
  toConnectorError,
  WarehouseStatusError,
  withDeadline,
} from './sql/failures.js';
import { operationHandleOf, statementMetaCodec, uuidOf, type StatementMeta } from './sql/meta.js';
import { namedParameters } from './sql/parameters.js';
import { SqlPool, type PooledSession } from './sql/pool.js';
import { fetchPreview } from './sql/preview.js';
import { sparkParameter, type ClientSettings, type SqlClient } from './sql/sdk.js';
import {
  DEFAULT_POOL_IDLE_MS,
  DEFAULT_PREVIEW_ROWS,
  DEFAULT_SESSION_MAX_AGE_MS,
  sqlSpec,
  type SqlParams,
} from './sql/spec.js';
import {
  queryHistoryLink,
  RESULTS_OUTPUT,
  statementResource,
  type PreviewOutcome,
} from './sql/statement-state.js';
import { endpointOf, parseEndpoint, resultTableOf, warehouseOf, type Warehouse } from './sql/target.js';
import {
  OPERATION_STATE,
  PROTOCOL_V8,
  type TGetOperationStatusResp,
  type TOperationHandle,
} from './sql/thrift-types.js';
import { checkAllowed } from './instance.js';
import { DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT_MS } from './spec.js';

/** The task type of a SQL statement on a Databricks SQL warehouse (no Python connector defines one). */
export const DATABRICKS_SQL_TASK_TYPE = 'databricks_sql';

/** Most clients (warehouse endpoint × credential) the pool keeps. */
const MAX_CLIENTS = 32;

type Params = Partial<ResolvedParams<SqlParams>>;

/**
 * Runs `databricks_sql` tasks: create executes the statement asynchronously on a pooled warehouse session and
 * records its Thrift operation handle; get asks the warehouse for the operation's state (from any replica: the
 * handle is all it needs); delete cancels and closes the operation.
 *
 * The SDK's `DBSQLSession`/`DBSQLOperation` objects cannot be rebuilt from a stored handle, and closing a
 * `DBSQLSession` closes every statement it ran. So the connector uses the SDK for the connection (TLS, token,
 * user agent, socket timeout, retry policy of idempotent calls) and issues the HiveServer2 RPCs through its public
 * Thrift driver (`DBSQLClient.getDriver()`), with handles it keeps itself. See the README's "Tracking from any
 * replica".
 */
export class DatabricksSqlConnector extends AsyncConnector<StatementMeta, SqlParams> {
  readonly name = 'Databricks SQL Connector';
  readonly taskCategory = { name: DATABRICKS_SQL_TASK_TYPE, version: 0 };
  readonly spec = sqlSpec;
  readonly metaCodec = statementMetaCodec;
  // ExecuteStatement takes no idempotency key: a repeated CreateTask runs the statement again.
  override readonly idempotentCreate = false;

  private logger: Logger | undefined;
  private readonly pool = new SqlPool(
    { maxClients: MAX_CLIENTS, idleMs: DEFAULT_POOL_IDLE_MS, sessionMaxAgeMs: DEFAULT_SESSION_MAX_AGE_MS },
    (level, message) => this.logger?.[level]({ driver: '@databricks/sql' }, message),
  );

  override async open(environment: ConnectorEnvironment): Promise<void> {
    this.logger = environment.logger;
  }

  override async close(): Promise<void> {
    await this.pool.clear();
  }

  override onSecretsChanged(keys: readonly string[]): void {
    // Clients are keyed by token hash, so a rotated token connects anew; this releases the old connections.
    if (keys.some((key) => key.toLowerCase().includes('databricks'))) void this.pool.clear();
  }

  async create(ctx: CreateContext<SqlParams>): Promise<StatementMeta> {
    const sql = statementOf(ctx.template);
    const warehouse = warehouseOf(
      ctx.params.server_hostname,
      ctx.params.http_path,
      ctx.params.warehouse_id,
      ctx.params.allowed_instances,
    );
    const resultTable = resultTableOf(ctx.params.result_table, ctx.params.catalog, ctx.params.schema);
    if (resultTable === undefined && ctx.outputTypes.has(RESULTS_OUTPUT)) {
      throw new InvalidArgumentError(
        `result_table: the task declares the '${RESULTS_OUTPUT}' output, so it must name the table to write the result to (custom.result_table).`,
      );
    }
    const parameters = namedParameters(sql, ctx.inputs, inputTypes(ctx.template));
    const statement =
      resultTable === undefined ? sql : `CREATE OR REPLACE TABLE ${resultTable} AS ${withoutTerminator(sql)}`;
    const sparkParameters = await Promise.all(parameters.map((p) => sparkParameter(p.name, p.value, p.type)));
    const settings = clientSettings(warehouse, ctx.params.databricks_token, ctx.params);
    const request = {
      statement,
      runAsync: true,
      // No getDirectResults: the warehouse would then answer (and close) a quick statement within this call,
      // leaving nothing for other replicas to read.
      ...(ctx.params.query_timeout_s === undefined ? {} : { queryTimeout: ctx.params.query_timeout_s }),
      ...(sparkParameters.length === 0 ? {} : { parameters: sparkParameters }),
    };
    const timeoutMs = timeoutOf(ctx.params);
    let executed: { handle: TOperationHandle; session: PooledSession };
    try {
      executed = await withDeadline(
        this.execute(settings, ctx.params, request, parameters.length > 0),
        timeoutMs,
        'Executing the statement',
      );
    } catch (error) {
      throw toConnectorError(error, 'Executing the Databricks SQL statement failed');
    }
    const meta: StatementMeta = {
      endpoint: endpointOf(warehouse),
      path: warehouse.path,
      statementId: uuidOf(executed.handle.operationId.guid),
      statementSecret: executed.handle.operationId.secret.toString('base64'),
      hasResultSet: executed.handle.hasResultSet === true,
      sessionId: executed.session.id,
      ...(resultTable === undefined ? {} : { resultTable }),
    };
    ctx.logger.info(
      {
        endpoint: meta.endpoint,
        path: meta.path,
        statementId: meta.statementId,
        sessionId: meta.sessionId,
        parameters: parameters.map((p) => p.name),
        resultTable,
      },
      'Databricks SQL statement submitted',
    );
    return meta;
  }

  async get(meta: StatementMeta, ctx: OperationContext<SqlParams>): Promise<Resource> {
    const settings = this.operationSettings(meta, ctx.params);
    const operationHandle = operationHandleOf(meta);
    const timeoutMs = timeoutOf(ctx.params);
    const started = Date.now();
    let client: SqlClient;
    let status: TGetOperationStatusResp;
    try {
      client = await withDeadline(this.pool.client(settings), timeoutMs, 'Connecting');
      status = await withDeadline(
        client.driver.getOperationStatus({ operationHandle, getProgressUpdate: false }),
        timeoutMs,
        `Reading statement ${meta.statementId}`,
      );
      assertStatus(status.status, `Reading statement ${meta.statementId}`);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return getFailure(error, meta);
    }
    let preview: PreviewOutcome = { kind: 'none' };
    const previewRows = ctx.params.preview_rows ?? DEFAULT_PREVIEW_ROWS;
    const hasResultSet = status.hasResultSet ?? meta.hasResultSet;
    if (status.operationState === OPERATION_STATE.FINISHED && hasResultSet && previewRows > 0) {
      const left = timeoutMs - (Date.now() - started);
      try {
        preview = {
          kind: 'preview',
          preview: await withDeadline(
            fetchPreview(client.driver, { ...operationHandle, hasResultSet: true }, previewRows),
            Math.max(left, 1),
            'Reading the result preview',
          ),
        };
      } catch (error) {
        // The statement succeeded; a preview that cannot be read is no reason to report otherwise.
        const message = sqlFailure(error).message;
        ctx.logger.warn({ statementId: meta.statementId, error: message }, 'result preview unavailable');
        preview = { kind: 'error', message };
      }
    }
    return statementResource(status, meta, ctx.outputTypes.has(RESULTS_OUTPUT), preview);
  }

  async delete(meta: StatementMeta, ctx: OperationContext<SqlParams>): Promise<void> {
    const settings = this.operationSettings(meta, ctx.params);
    const operationHandle = operationHandleOf(meta);
    const timeoutMs = timeoutOf(ctx.params);
    try {
      const client = await withDeadline(this.pool.client(settings), timeoutMs, 'Connecting');
      // Cancelling a statement that already ended is a no-op on the warehouse; closing releases its result.
      const cancelled = await withDeadline(
        client.driver.cancelOperation({ operationHandle }),
        timeoutMs,
        `Cancelling statement ${meta.statementId}`,
      );
      const cancelRefused = refusal(cancelled.status, `Cancelling statement ${meta.statementId}`);
      const closed = await withDeadline(
        client.driver.closeOperation({ operationHandle }),
        timeoutMs,
        `Closing statement ${meta.statementId}`,
      );
      const closeRefused = refusal(closed.status, `Closing statement ${meta.statementId}`);
      if (closeRefused !== undefined && !closeRefused.invalidHandle) throw closeRefused;
      ctx.logger.info(
        {
          statementId: meta.statementId,
          ...(cancelRefused === undefined ? {} : { cancel: cancelRefused.message }),
          ...(closeRefused === undefined ? {} : { close: closeRefused.message }),
        },
        'Databricks SQL statement cancelled and closed',
      );
    } catch (error) {
      throw toConnectorError(error, `Cancelling Databricks SQL statement ${meta.statementId} failed`);
    }
  }

  /** ExecuteStatement on the pooled session; a session the warehouse no longer knows is replaced once. */
  private async execute(
    settings: ClientSettings,
    params: ResolvedParams<SqlParams>,
    request: Record<string, unknown>,
    needsParameters: boolean,
  ): Promise<{ handle: TOperationHandle; session: PooledSession }> {
    for (let attempt = 1; ; attempt += 1) {
      const { client, session } = await this.pool.session(settings, params.catalog, params.schema);
      if (needsParameters && session.protocolVersion < PROTOCOL_V8) {
        throw new InvalidArgumentError(
          `The warehouse speaks protocol version ${session.protocolVersion}, which has no named parameters (V8 needed).`,
        );
      }
      const response = await client.driver.executeStatement({ ...request, sessionHandle: session.handle });
      try {
        assertStatus(response.status, 'The warehouse refused the statement');
      } catch (error) {
        if (attempt === 1 && error instanceof WarehouseStatusError && error.invalidHandle) {
          this.pool.forgetSession(settings, session);
          continue;
        }
        throw error;
      }
      const handle = response.operationHandle;
      if (handle === undefined || handle === null)
        throw new BackendUnavailableError(
          'The warehouse accepted the statement but answered no operation handle',
        );
      return { handle, session };
    }
  }

  private operationSettings(meta: StatementMeta, params: Params): ClientSettings {
    const { host, port } = parseEndpoint(meta.endpoint);
    // resource_meta travels through Flyte: the allow-list applies to it too, since the token is sent there.
    checkAllowed(new URL(`https://${meta.endpoint}`), params.allowed_instances);
    const token = params.databricks_token;
    if (token === undefined) {
      throw new InvalidArgumentError(
        'No Databricks token: send the connection secret databricks_token (Flyte 2) or set FLYTE_DATABRICKS_ACCESS_TOKEN on the service.',
      );
    }
    return clientSettings({ host, port, path: meta.path }, token, params);
  }
}

function clientSettings(warehouse: Warehouse, token: string, params: Params): ClientSettings {
  return {
    host: warehouse.host,
    port: warehouse.port,
    path: warehouse.path,
    token,
    caCert: params.ca_cert,
    timeoutMs: timeoutOf(params),
    maxRetries: params.max_retries ?? DEFAULT_MAX_RETRIES,
  };
}

function timeoutOf(params: Params): number {
  return params.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

/** A non-success status as an error, without throwing. */
function refusal(
  status: Parameters<typeof assertStatus>[0],
  action: string,
): WarehouseStatusError | undefined {
  try {
    assertStatus(status, action);
    return undefined;
  } catch (error) {
    if (error instanceof WarehouseStatusError) return error;
    throw error;
  }
}

/** Get could not read the statement: keep polling through transient trouble, fail clearly on lasting trouble. */
function getFailure(error: unknown, meta: StatementMeta): Resource {
  const failure = sqlFailure(error);
  const who = `Databricks SQL statement ${meta.statementId}`;
  if (failure.transient) {
    throw new BackendUnavailableError(
      `The warehouse did not answer for ${who} (${failure.message}); will check again.`,
      { cause: new Error(failure.message) },
    );
  }
  const logLinks = [queryHistoryLink(meta)];
  if (error instanceof WarehouseStatusError && error.invalidHandle) {
    // Closed (DeleteTask, its session ended) or lost with a warehouse restart: nothing about the SQL itself.
    return {
      phase: 'RETRYABLE_FAILED',
      message: `The warehouse no longer knows ${who}: ${error.message}`,
      logLinks,
    };
  }
  if (isAuthFailure(failure)) {
    return {
      phase: 'FAILED',
      message: `Lost access to ${who} (${failure.message}); the statement may still be running.`,
      logLinks,
    };
  }
  throw toConnectorError(error, `Reading ${who} failed`);
}

/** `template.sql.statement`, refusing an empty one. */
function statementOf(template: TaskTemplate): string {
  const sql = template.target.case === 'sql' ? template.target.value.statement : '';
  if (sql.trim() === '') {
    throw new InvalidArgumentError('The task has no SQL: template.sql.statement is empty.');
  }
  return sql;
}

/** The statement without its trailing `;`, to be wrapped in CREATE TABLE ... AS. */
function withoutTerminator(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

function inputTypes(template: TaskTemplate): Map<string, LiteralType> {
  const types = new Map<string, LiteralType>();
  for (const entry of template.interface?.inputs?.variables ?? []) {
    if (entry.value?.type !== undefined) types.set(entry.key, entry.value.type);
  }
  return types;
}
