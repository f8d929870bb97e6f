import type { JobMetadata } from '@google-cloud/bigquery';
import type { Resource, TaskLogLink } from '@org/connector-core';
import type { BigQueryJobMeta } from './meta.js';

/** The output the Python connectors fill with the destination table, when the task's interface declares it. */
export const RESULTS_OUTPUT = 'results';

/**
 * Job failure reasons that describe BigQuery's trouble rather than the query's: the same query may succeed on
 * another attempt, so Flyte may retry the task (RETRYABLE_FAILED) instead of failing it for good.
 */
const RETRYABLE_JOB_REASONS = new Set([
  'backendError',
  'internalError',
  'jobBackendError',
  'jobInternalError',
  'rateLimitExceeded',
]);

/**
 * The parts of the Job resource that {@link jobResource} reads, as a partial-response selection (`fields`) for
 * jobs.get. GetTask polls every running job about once a second, and a running query's full resource carries
 * what nothing here reads: the SQL text, its parameters and labels, and statistics that grow with the query
 * (queryPlan, timeline, referencedTables, reservation usage — tens of KB for a large query). Asking for these
 * fields only keeps each poll's answer to a few hundred bytes to transfer, parse and collect. Keep it in step
 * with jobResource and jobCustomInfo below: the service tests run against a backend that honours `fields`, so a
 * field missing here shows up as a missing phase, output or custom_info entry.
 */
export const JOB_STATUS_FIELDS = [
  'jobReference/location',
  'status(state,errorResult,errors)',
  'statistics(creationTime,startTime,endTime,totalBytesProcessed,totalSlotMs,' +
    'query(statementType,totalBytesProcessed,totalBytesBilled,totalSlotMs,cacheHit,numDmlAffectedRows))',
  'configuration/query/destinationTable',
].join(',');

type JobStatus = NonNullable<JobMetadata['status']>;
type ErrorProto = NonNullable<JobStatus['errorResult']>;

/** The "BigQuery Console" link of the Python connectors, unchanged so that users find the same page. */
export function consoleLink(meta: BigQueryJobMeta): TaskLogLink {
  return {
    name: 'BigQuery Console',
    uri: `https://console.cloud.google.com/bigquery?project=${meta.project}&j=bq:${meta.location ?? ''}:${meta.jobId}&page=queryresults`,
    kind: 'dashboard',
    ready: true,
  };
}

/** `bq://project:dataset.table`, the structured-dataset URI Flyte's BigQuery readers understand. */
export function bigQueryUri(table: {
  projectId?: string;
  datasetId?: string;
  tableId?: string;
}): string | undefined {
  if (!table.projectId || !table.datasetId || !table.tableId) return undefined;
  return `bq://${table.projectId}:${table.datasetId}.${table.tableId}`;
}

/** Maps a BigQuery job resource (jobs.get) to the Flyte phase, message, outputs, link and custom info. */
export function jobResource(job: JobMetadata, meta: BigQueryJobMeta, wantsResults: boolean): Resource {
  const logLinks = [consoleLink(meta)];
  const customInfo = jobCustomInfo(job, meta);
  const status = job.status ?? {};
  const errorResult = status.errorResult;
  if (errorResult !== undefined && errorResult !== null) {
    const reason = errorResult.reason ?? 'unknown';
    if (reason === 'stopped') {
      return {
        phase: 'ABORTED',
        message: `BigQuery job ${meta.jobId} was cancelled: ${errorResult.message ?? 'stopped'}`,
        logLinks,
        customInfo,
      };
    }
    return {
      phase: RETRYABLE_JOB_REASONS.has(reason) ? 'RETRYABLE_FAILED' : 'FAILED',
      message: `BigQuery job ${meta.jobId} failed: ${errorText(errorResult, status.errors ?? [])}`,
      logLinks,
      customInfo,
    };
  }
  switch (status.state) {
    case 'PENDING':
      return { phase: 'INITIALIZING', message: 'BigQuery job is queued (PENDING).', logLinks, customInfo };
    case 'RUNNING':
      return { phase: 'RUNNING', message: 'BigQuery job is running.', logLinks, customInfo };
    case 'DONE':
      return succeeded(job, meta, wantsResults, logLinks, customInfo);
    default:
      return {
        phase: 'RUNNING',
        message: `BigQuery reports job state ${status.state ?? '(none)'}.`,
        logLinks,
        customInfo,
      };
  }
}

/** A dry run finished at create: BigQuery validated the query and estimated its cost, nothing ran. */
export function dryRunResource(meta: BigQueryJobMeta): Resource {
  return {
    phase: 'SUCCEEDED',
    message: 'Dry run: BigQuery validated the query; nothing was run.',
    customInfo: {
      jobId: meta.jobId,
      project: meta.project,
      ...(meta.location === undefined ? {} : { location: meta.location }),
      dryRun: true,
      totalBytesProcessed: int64Value(meta.dryRun?.totalBytesProcessed) ?? 0,
      ...(meta.dryRun?.statementType === undefined ? {} : { statementType: meta.dryRun.statementType }),
    },
  };
}

function succeeded(
  job: JobMetadata,
  meta: BigQueryJobMeta,
  wantsResults: boolean,
  logLinks: TaskLogLink[],
  customInfo: NonNullable<Resource['customInfo']>,
): Resource {
  if (!wantsResults) return { phase: 'SUCCEEDED', logLinks, customInfo };
  const destination = job.configuration?.query?.destinationTable;
  const uri = destination === undefined || destination === null ? undefined : bigQueryUri(destination);
  if (uri === undefined) {
    const statement = job.statistics?.query?.statementType ?? 'unknown';
    return {
      phase: 'FAILED',
      message: `BigQuery job ${meta.jobId} finished without a destination table (statement type ${statement}), so the '${RESULTS_OUTPUT}' output the task declares cannot be filled.`,
      logLinks,
      customInfo,
    };
  }
  return { phase: 'SUCCEEDED', outputs: { [RESULTS_OUTPUT]: uri }, logLinks, customInfo };
}

function errorText(errorResult: ErrorProto, errors: readonly ErrorProto[]): string {
  const first = `${errorResult.reason ?? 'error'}: ${errorResult.message ?? 'no message'}`;
  // BigQuery repeats errorResult in errors; the others add detail (e.g. each bad row), a few are enough.
  const others = errors
    .filter((error) => error.message !== errorResult.message)
    .slice(0, 3)
    .map((error) => `${error.reason ?? 'error'}: ${error.message ?? ''}`);
  return [first, ...others].join('; ');
}

/** What the Flyte UI shows beside the task: cost and cache figures of the job. */
function jobCustomInfo(job: JobMetadata, meta: BigQueryJobMeta): NonNullable<Resource['customInfo']> {
  const statistics = job.statistics ?? {};
  const query = statistics.query ?? {};
  const destination = job.configuration?.query?.destinationTable;
  const entries: Record<string, string | number | boolean | undefined> = {
    jobId: meta.jobId,
    project: meta.project,
    location: job.jobReference?.location ?? meta.location,
    state: job.status?.state,
    statementType: query.statementType,
    totalBytesProcessed: int64Value(query.totalBytesProcessed ?? statistics.totalBytesProcessed),
    totalBytesBilled: int64Value(query.totalBytesBilled),
    totalSlotMs: int64Value(query.totalSlotMs ?? statistics.totalSlotMs),
    cacheHit: query.cacheHit ?? undefined,
    numDmlAffectedRows: int64Value(query.numDmlAffectedRows),
    destinationTable:
      destination === undefined || destination === null ? undefined : bigQueryUri(destination)?.slice(5),
    creationTime: timeValue(statistics.creationTime),
    startTime: timeValue(statistics.startTime),
    endTime: timeValue(statistics.endTime),
  };
  const info: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) info[key] = value;
  return info;
}

/** int64 statistics arrive as strings; numbers read better in the UI while they stay exact. */
function int64Value(text: string | number | null | undefined): number | string | undefined {
  if (text === undefined || text === null) return undefined;
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : String(text);
}

/**
 * ISO-8601 texts of epoch-millisecond strings already converted. A job's creationTime and startTime are the same
 * on every poll, and `Date#toISOString` is slow enough (a few µs per call) that the three conversions of each
 * GetTask were the connector's largest own cost in the 1,000-job bench. Bounded: when full it starts over.
 */
const isoTimes = new Map<string, string>();
const MAX_ISO_TIMES = 4096;

/** Epoch-millisecond strings as ISO-8601. */
function timeValue(text: string | number | null | undefined): string | undefined {
  if (text === undefined || text === null) return undefined;
  const key = String(text);
  const known = isoTimes.get(key);
  if (known !== undefined) return known;
  const date = new Date(Number(text));
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  if (isoTimes.size >= MAX_ISO_TIMES) isoTimes.clear();
  isoTimes.set(key, iso);
  return iso;
}
