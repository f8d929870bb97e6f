import { randomUUID } from 'node:crypto';

/**
 * The BigQuery job id of a task attempt. BigQuery lets the caller choose the id and refuses a second job with
 * the same id (409 duplicate), so an id derived from the attempt key makes CreateTask launch at most one job
 * per attempt however often Flyte repeats it. Without an attempt key (no task execution id in the request)
 * the id is random and that guarantee is lost.
 */
export function jobIdFor(attemptKey: string | undefined): {
  readonly jobId: string;
  readonly deterministic: boolean;
} {
  if (attemptKey !== undefined && /^[0-9a-f]+$/i.test(attemptKey)) {
    return { jobId: `flyte_${attemptKey.toLowerCase()}`, deterministic: true };
  }
  return { jobId: `flyte_${randomUUID().replaceAll('-', '')}`, deterministic: false };
}
