import type { Resource, TaskLogLink, TaskPhase } from '@org/connector-core';

/** The parts of a runs/get answer the connector reads. */
export interface RunState {
  readonly job_id?: number;
  readonly run_id?: number;
  readonly run_page_url?: string;
  readonly state?: {
    readonly life_cycle_state?: string;
    readonly result_state?: string;
    readonly state_message?: string;
    readonly user_cancelled_or_timedout?: boolean;
  };
}

/** The run's page in the workspace, as the Python connector links it. */
export function consoleLink(instance: string, jobId: number | undefined, runId: number): TaskLogLink {
  return {
    name: 'Databricks Console',
    uri: `${instance}/#job/${jobId ?? ''}/run/${runId}`,
    kind: 'dashboard',
    ready: true,
  };
}

/**
 * Maps a run (runs/get) to a Flyte phase. The result state decides once it is set (on TERMINATED, and on
 * INTERNAL_ERROR / SKIPPED when Databricks gives one); otherwise the life-cycle state. Every documented state is
 * mapped deliberately; one added after this connector keeps the task polling with a message naming it.
 */
export function runResource(run: RunState, instance: string, runId: number): Resource {
  const life = run.state?.life_cycle_state ?? '';
  const result = run.state?.result_state;
  const detail = stateMessage(run);
  const logLinks = [consoleLink(instance, run.job_id, runId)];
  const customInfo: Record<string, string | number> = { runId, lifeCycleState: life };
  if (run.job_id !== undefined) customInfo['jobId'] = run.job_id;
  if (result !== undefined) customInfo['resultState'] = result;
  if (run.run_page_url !== undefined) customInfo['runPageUrl'] = run.run_page_url;
  const make = (phase: TaskPhase, message: string): Resource => ({ phase, message, logLinks, customInfo });
  const who = `Databricks run ${runId}`;

  if (life === 'TERMINATED' || (result !== undefined && life !== 'TERMINATING' && life !== 'RUNNING')) {
    switch (result) {
      case 'SUCCESS':
        return make('SUCCEEDED', `${who} succeeded.${detail}`);
      case 'SUCCESS_WITH_FAILURES':
        // Only multi-task runs report it (some non-leaf tasks failed, the leaves succeeded). The Flyte entrypoint
        // has written outputs.pb by then; a missing one still fails the task when Flyte reads the outputs.
        return make('SUCCEEDED', `${who} succeeded with failures in some of its tasks.${detail}`);
      case 'FAILED':
        return make('FAILED', `${who} failed.${detail}`);
      case 'TIMEDOUT':
        return make('FAILED', `${who} timed out (the run's timeout_seconds passed).${detail}`);
      case 'CANCELED':
        return make('ABORTED', `${who} was cancelled.${detail}`);
      case 'MAXIMUM_CONCURRENT_RUNS_REACHED':
        // The run never started: worth another attempt once other runs finish.
        return make(
          'RETRYABLE_FAILED',
          `${who} was not started: the maximum of concurrent runs was reached.${detail}`,
        );
      case 'EXCLUDED':
        return make('FAILED', `${who} was excluded (a run condition was not met), nothing ran.${detail}`);
      case 'UPSTREAM_FAILED':
        return make('FAILED', `${who} did not run because an upstream task failed.${detail}`);
      case 'UPSTREAM_CANCELED':
        return make('ABORTED', `${who} did not run because an upstream task was cancelled.${detail}`);
      case 'DISABLED':
        return make('FAILED', `${who} was not run: it is disabled.${detail}`);
      case undefined:
        if (life === 'TERMINATED')
          return make('RUNNING', `${who} terminated; waiting for its result state.${detail}`);
        break;
      default:
        return make(
          'RUNNING',
          `${who} reports result state '${result}', which this connector does not know; still polling.${detail}`,
        );
    }
  }
  switch (life) {
    case 'QUEUED':
      return make(
        'WAITING_FOR_RESOURCES',
        `${who} is queued (concurrency limits or workspace capacity).${detail}`,
      );
    case 'BLOCKED':
      return make('WAITING_FOR_RESOURCES', `${who} is blocked on an upstream dependency.${detail}`);
    case 'WAITING_FOR_RETRY':
      return make('WAITING_FOR_RESOURCES', `${who} is waiting to be retried by Databricks.${detail}`);
    case 'PENDING':
      return make('INITIALIZING', `${who} is pending (cluster starting).${detail}`);
    case 'RUNNING':
      return make('RUNNING', `${who} is running.${detail}`);
    case 'TERMINATING':
      return make('RUNNING', `${who} is terminating.${detail}`);
    case 'SKIPPED':
      return make('FAILED', `${who} was skipped: an earlier run of the same job was still active.${detail}`);
    case 'INTERNAL_ERROR':
      // A failure of the Jobs service itself (network trouble, lost cluster...), not of the task: retryable.
      return make('RETRYABLE_FAILED', `${who} hit a Databricks internal error.${detail}`);
    default:
      return make(
        'RUNNING',
        `${who} reports life-cycle state '${life || '(none)'}', which this connector does not know; still polling.${detail}`,
      );
  }
}

function stateMessage(run: RunState): string {
  const message = run.state?.state_message?.trim();
  const cancelled =
    run.state?.user_cancelled_or_timedout === true ? ' (cancelled by a user or timed out)' : '';
  return message ? ` ${message}${cancelled}` : cancelled;
}
