import type { Resource, TaskLogLink, TaskPhase } from '@org/connector-core';
import type { StatementMeta } from './meta.js';
import { parseEndpoint } from './target.js';
import { OPERATION_STATE, type TGetOperationStatusResp } from './thrift-types.js';

type CustomInfo = NonNullable<Resource['customInfo']>;

/** The output filled with the result table's structured-dataset URI, when the interface declares it. */
export const RESULTS_OUTPUT = 'results';

const MAX_MESSAGE = 1_000;

/** The statement's page in the workspace's query history. */
export function queryHistoryLink(meta: Pick<StatementMeta, 'endpoint' | 'statementId'>): TaskLogLink {
  const { host, port } = parseEndpoint(meta.endpoint);
  const origin = port === 443 ? `https://${host}` : `https://${host}:${port}`;
  return {
    name: 'Databricks Query History',
    uri: `${origin}/sql/history?queryId=${meta.statementId}`,
    kind: 'dashboard',
    ready: true,
  };
}

/**
 * `databricks://<host>/<catalog>.<schema>.<table>`: the result table as a structured-dataset URI. No Python Flyte
 * plugin reads Databricks tables yet; the URI names the table for downstream tasks (spark.table, the SQL
 * connector) and for the UI.
 */
export function resultTableUri(meta: Pick<StatementMeta, 'endpoint' | 'resultTable'>): string | undefined {
  if (meta.resultTable === undefined) return undefined;
  return `databricks://${parseEndpoint(meta.endpoint).host}/${meta.resultTable}`;
}

/** A small result preview for the UI (custom_info). */
export interface Preview {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | boolean | null)[])[];
  /** More rows exist than the preview shows. */
  readonly truncated: boolean;
}

/** What a finished statement adds to its resource: the preview, or why there is none. */
export type PreviewOutcome =
  | { readonly kind: 'preview'; readonly preview: Preview }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly message: string };

/** The state names of `TOperationState`, for messages and custom_info. */
const STATE_NAMES: Readonly<Record<number, string>> = {
  [OPERATION_STATE.INITIALIZED]: 'INITIALIZED',
  [OPERATION_STATE.RUNNING]: 'RUNNING',
  [OPERATION_STATE.FINISHED]: 'FINISHED',
  [OPERATION_STATE.CANCELED]: 'CANCELED',
  [OPERATION_STATE.CLOSED]: 'CLOSED',
  [OPERATION_STATE.ERROR]: 'ERROR',
  [OPERATION_STATE.UNKNOWN]: 'UKNOWN',
  [OPERATION_STATE.PENDING]: 'PENDING',
  [OPERATION_STATE.TIMEDOUT]: 'TIMEDOUT',
};

export function stateName(state: number | null | undefined): string {
  if (state === undefined || state === null) return '(none)';
  return STATE_NAMES[state] ?? `#${state}`;
}

/**
 * Maps a GetOperationStatus answer to a Flyte phase. Every `TOperationState` is mapped deliberately; a state this
 * connector does not know keeps the task polling with a message naming it.
 */
export function statementResource(
  status: TGetOperationStatusResp,
  meta: StatementMeta,
  wantsResults: boolean,
  preview: PreviewOutcome,
): Resource {
  const state = status.operationState;
  const logLinks = [queryHistoryLink(meta)];
  const customInfo = statementInfo(status, meta, preview);
  const who = `Databricks SQL statement ${meta.statementId}`;
  const make = (phase: TaskPhase, message: string): Resource => ({
    phase,
    message: message.slice(0, MAX_MESSAGE),
    logLinks,
    customInfo,
  });
  switch (state) {
    case OPERATION_STATE.INITIALIZED:
      return make('INITIALIZING', `${who} was accepted by the warehouse.`);
    case OPERATION_STATE.PENDING:
      // Queued behind other statements, or waiting for the warehouse to start or scale up.
      return make('QUEUED', `${who} is waiting for the warehouse (queued or starting).${task(status)}`);
    case OPERATION_STATE.RUNNING:
      return make('RUNNING', `${who} is running.${task(status)}`);
    case OPERATION_STATE.FINISHED:
      return finished(status, meta, wantsResults, make, who);
    case OPERATION_STATE.CANCELED:
      return make('ABORTED', `${who} was cancelled.${detail(status)}`);
    case OPERATION_STATE.CLOSED:
      // Closed before anyone read its outcome: by its session ending or another client. Nothing about the SQL.
      return make(
        'RETRYABLE_FAILED',
        `${who} was closed on the warehouse before it was read (its session ended or another client closed it).`,
      );
    case OPERATION_STATE.ERROR:
      return make('FAILED', `${who} failed: ${errorText(status)}`);
    case OPERATION_STATE.TIMEDOUT:
      return make('FAILED', `${who} timed out (the statement's query timeout).${detail(status)}`);
    case OPERATION_STATE.UNKNOWN:
      return make('RUNNING', `The warehouse reports state UKNOWN for ${who}; still polling.`);
    default:
      return make(
        'RUNNING',
        `The warehouse reports state ${stateName(state)} for ${who}, which this connector does not know; still polling.`,
      );
  }
}

function finished(
  status: TGetOperationStatusResp,
  meta: StatementMeta,
  wantsResults: boolean,
  make: (phase: TaskPhase, message: string) => Resource,
  who: string,
): Resource {
  const rows = status.numModifiedRows?.toNumber(true);
  const message = `${who} finished${rows === undefined ? '' : ` (${rows} rows modified)`}.`;
  if (!wantsResults) return make('SUCCEEDED', message);
  const uri = resultTableUri(meta);
  if (uri === undefined) {
    return make(
      'FAILED',
      `${who} finished, but the task declares the '${RESULTS_OUTPUT}' output and configures no result table (custom.result_table).`,
    );
  }
  return { ...make('SUCCEEDED', message), outputs: { [RESULTS_OUTPUT]: uri } };
}

function task(status: TGetOperationStatusResp): string {
  const text = status.taskStatus?.trim();
  return text ? ` ${text}` : '';
}

function detail(status: TGetOperationStatusResp): string {
  const text = (status.displayMessage || status.errorMessage)?.trim();
  return text ? ` ${text}` : '';
}

function errorText(status: TGetOperationStatusResp): string {
  const text = (status.displayMessage || status.errorMessage || 'no error message')
    .replace(/\s+/g, ' ')
    .trim();
  const state = status.sqlState ? ` [SQLSTATE ${status.sqlState}]` : '';
  return `${text}${state}`;
}

function statementInfo(
  status: TGetOperationStatusResp,
  meta: StatementMeta,
  preview: PreviewOutcome,
): CustomInfo {
  const rows = status.numModifiedRows?.toNumber(true);
  return {
    statementId: meta.statementId,
    sessionId: meta.sessionId,
    warehouse: meta.path,
    state: stateName(status.operationState),
    ...(status.sqlState ? { sqlState: status.sqlState } : {}),
    ...(rows === undefined ? {} : { modifiedRows: rows }),
    ...(meta.resultTable === undefined ? {} : { resultTable: meta.resultTable }),
    ...(preview.kind === 'preview'
      ? {
          preview: {
            columns: [...preview.preview.columns],
            rows: preview.preview.rows.map((row) => [...row]),
            truncated: preview.preview.truncated,
          },
        }
      : {}),
    ...(preview.kind === 'error' ? { previewError: preview.message } : {}),
  };
}
