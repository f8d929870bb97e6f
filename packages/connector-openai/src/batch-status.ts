import type { Batch } from 'openai/resources/batches';
import type { Resource, TaskLogLink } from '@org/connector-core';

/** flytekit's output: the batch object as a dict. */
export const RESULT_OUTPUT = 'result';

/** The batch's page in the OpenAI dashboard (the Python connector offers no link). */
export function dashboardLink(batchId: string): TaskLogLink {
  return {
    name: 'OpenAI Batch',
    uri: `https://platform.openai.com/batches/${batchId}`,
    kind: 'dashboard',
    ready: true,
  };
}

/** Maps a batch (batches.retrieve) to a Flyte phase; every status OpenAI documents, and any it adds later. */
export function batchResource(batch: Batch, wantsResult: boolean): Resource {
  const logLinks = [dashboardLink(batch.id)];
  const customInfo = batchInfo(batch);
  const status: string = batch.status;
  switch (status) {
    case 'validating':
    case 'in_progress':
    case 'finalizing':
      return {
        phase: 'RUNNING',
        message: `Batch ${batch.id} is ${status}${counts(batch)}.`,
        logLinks,
        customInfo,
      };
    case 'completed':
      return {
        phase: 'SUCCEEDED',
        message: `Batch ${batch.id} completed${counts(batch)}.`,
        ...(wantsResult ? { outputs: { [RESULT_OUTPUT]: plainObject(batch) } } : {}),
        logLinks,
        customInfo,
      };
    case 'failed':
      return {
        phase: 'FAILED',
        message: `Batch ${batch.id} failed: ${firstError(batch)}`,
        logLinks,
        customInfo,
      };
    case 'expired':
      return {
        phase: 'FAILED',
        message: `Batch ${batch.id} expired before it finished (completion window ${batch.completion_window})${counts(batch)}: ${firstError(batch)}`,
        logLinks,
        customInfo,
      };
    case 'cancelling':
    case 'cancelled':
      return {
        phase: 'ABORTED',
        message: `Batch ${batch.id} was cancelled (${status}).`,
        logLinks,
        customInfo,
      };
    default:
      // A status OpenAI added after this connector: keep polling (the task timeout still applies) and say so.
      return {
        phase: 'RUNNING',
        message: `Batch ${batch.id} reports status '${status}', which this connector does not know; still polling.`,
        logLinks,
        customInfo,
      };
  }
}

function counts(batch: Batch): string {
  const c = batch.request_counts;
  if (c === undefined || c.total === 0) return '';
  return ` (${c.completed}/${c.total} requests done, ${c.failed} failed)`;
}

function firstError(batch: Batch): string {
  const first = batch.errors?.data?.[0];
  if (first === undefined) return 'OpenAI gave no error details';
  const where = first.line === null || first.line === undefined ? '' : ` (line ${first.line})`;
  return `${first.code ?? 'error'}: ${first.message ?? 'no message'}${where}`;
}

/** What the Flyte UI shows beside the task. */
function batchInfo(batch: Batch): NonNullable<Resource['customInfo']> {
  const info: Record<string, string | number> = {
    batchId: batch.id,
    status: batch.status,
    endpoint: batch.endpoint,
    inputFileId: batch.input_file_id,
  };
  if (batch.output_file_id) info['outputFileId'] = batch.output_file_id;
  if (batch.error_file_id) info['errorFileId'] = batch.error_file_id;
  if (batch.request_counts !== undefined) {
    info['requestsTotal'] = batch.request_counts.total;
    info['requestsCompleted'] = batch.request_counts.completed;
    info['requestsFailed'] = batch.request_counts.failed;
  }
  return info;
}

/** The batch as JSON data (no undefined fields), the dict flytekit returns. */
function plainObject(batch: Batch): Record<string, unknown> {
  return JSON.parse(JSON.stringify(batch)) as Record<string, unknown>;
}
