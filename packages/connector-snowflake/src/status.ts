import type { ProtocolFamily, Resource, TaskLogLink, TaskPhase } from '@org/connector-core';
import type { QueryMeta } from './meta.js';

/** The output the Python connectors fill with the query's structured dataset URI, when the interface declares it. */
export const RESULTS_OUTPUT = 'results';

/** What the monitoring endpoint (`GET /monitoring/queries/{id}`) says about a query. */
export interface QueryState {
  /** Snowflake's status, or the driver's NO_QUERY_DATA when the answer lists no query. */
  readonly status: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** The query's page in Snowsight. The account identifier `ORG-ACCOUNT` is split on its first `-`. */
export function queryLink(account: string, queryId: string): TaskLogLink {
  const dash = account.indexOf('-');
  const path = dash > 0 ? `${account.slice(0, dash)}/${account.slice(dash + 1)}` : account;
  return {
    name: 'Snowflake Console',
    uri: `https://app.snowflake.com/${path}/#/compute/history/queries/${queryId}/detail`,
    kind: 'dashboard',
    ready: true,
  };
}

/**
 * The structured-dataset URI of the query's result, in the form each Flyte generation's Snowflake reader parses:
 * Flyte 1 (flytekit) `snowflake://user:account/warehouse/database/schema/query_id`, Flyte 2 (flyte-sdk)
 * `snowflake://user/account/warehouse/database/schema/query_id`.
 */
export function resultsUri(meta: QueryMeta, protocol: ProtocolFamily): string {
  const who = protocol === 'v1' ? `${meta.user}:${meta.account}` : `${meta.user}/${meta.account}`;
  return `snowflake://${who}/${meta.warehouse}/${meta.database}/${meta.schema}/${meta.query_id}`;
}

/** Maps a query status to a Flyte phase. Every status Snowflake documents is mapped deliberately. */
export function queryResource(state: QueryState, meta: QueryMeta, protocol: ProtocolFamily): Resource {
  const logLinks = [queryLink(meta.account, meta.query_id)];
  const customInfo = { queryId: meta.query_id, status: state.status };
  const make = (phase: TaskPhase, message?: string): Resource => ({
    phase,
    ...(message === undefined ? {} : { message }),
    logLinks,
    customInfo,
  });
  const who = `Snowflake query ${meta.query_id}`;
  switch (state.status) {
    case 'RUNNING':
      return make('RUNNING', `${who} is running.`);
    case 'QUEUED':
      return make('QUEUED', `${who} is queued: warehouse ${meta.warehouse || '(default)'} is busy.`);
    case 'RESUMING_WAREHOUSE':
      return make(
        'WAITING_FOR_RESOURCES',
        `${who} is waiting for warehouse ${meta.warehouse || '(default)'} to resume.`,
      );
    case 'QUEUED_REPAIRING_WAREHOUSE':
    case 'QUEUED_REPARING_WAREHOUSE': // Snowflake's own spelling (QueryDTO)
      return make(
        'WAITING_FOR_RESOURCES',
        `${who} is queued while warehouse ${meta.warehouse || '(default)'} is being repaired.`,
      );
    case 'BLOCKED':
      return make(
        'WAITING_FOR_RESOURCES',
        `${who} is blocked, waiting for a lock held by another statement.`,
      );
    case 'SUCCESS':
      if (!meta.has_output) return make('SUCCEEDED', `${who} succeeded.`);
      return {
        ...make('SUCCEEDED', `${who} succeeded.`),
        outputs: { [RESULTS_OUTPUT]: resultsUri(meta, protocol) },
      };
    case 'FAILED_WITH_ERROR':
      return make('FAILED', `${who} failed: ${errorText(state)}`);
    case 'FAILED_WITH_INCIDENT':
      return make('FAILED', `${who} failed with a Snowflake incident: ${errorText(state)}`);
    case 'ABORTING':
      return make('ABORTED', `${who} is being cancelled.`);
    case 'ABORTED':
      return make('ABORTED', `${who} was cancelled.${state.errorMessage ? ` ${state.errorMessage}` : ''}`);
    case 'DISCONNECTED':
      // The session that ran the query went away: the query is lost, through no fault of its SQL. Flyte may retry.
      return make(
        'RETRYABLE_FAILED',
        `${who} was lost: its session disconnected.${state.errorMessage ? ` ${state.errorMessage}` : ''}`,
      );
    case 'RESTARTED':
      return make('RUNNING', `${who} was restarted by Snowflake; still running.`);
    case 'NO_DATA':
    case 'NO_QUERY_DATA':
      return make('RUNNING', `Snowflake has no status for ${who} yet (${state.status}); still polling.`);
    default:
      return make(
        'RUNNING',
        `${who} reports status '${state.status || '(none)'}', which this connector does not know; still polling.`,
      );
  }
}

function errorText(state: QueryState): string {
  const code = state.errorCode ? `${state.errorCode}: ` : '';
  return `${code}${state.errorMessage?.trim() || 'no error message'}`;
}
