import {
  AsyncConnector,
  BackendUnavailableError,
  InternalError,
  InvalidArgumentError,
  type CreateContext,
  type OperationContext,
  type Resource,
  type ResolvedParams,
} from '@org/connector-core';
import { isUnknownRun, toConnectorError } from './errors.js';
import { DatabricksHttpError, JobsHttpClient, type CallOptions } from './http.js';
import { checkAllowed, instanceBase, instanceUrl } from './instance.js';
import { submitBody } from './job-spec.js';
import { runMetaCodec, type RunMeta } from './meta.js';
import { consoleLink, runResource, type RunState } from './run-state.js';
import { DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT_MS, jobsSpec, type JobsParams } from './spec.js';

/** flytekit's task type (Flyte 2 and newer Flyte 1) and the older Flyte 1 name of the same task. */
export const DATABRICKS_TASK_TYPE = 'databricks';
export const SPARK_TASK_TYPE = 'spark';

export const SUBMIT_PATH = '/api/2.1/jobs/runs/submit';
export const GET_PATH = '/api/2.1/jobs/runs/get';
export const CANCEL_PATH = '/api/2.1/jobs/runs/cancel';

type Params = Partial<ResolvedParams<JobsParams>>;

/**
 * Runs flytekit `Databricks` / `DatabricksV2` Spark tasks as one-time Jobs runs: create submits the run, get maps
 * its state to a Flyte phase, delete cancels it. The job's Flyte entrypoint writes outputs.pb itself.
 */
export class DatabricksJobsConnector extends AsyncConnector<RunMeta, JobsParams> {
  readonly name = 'Databricks Connector';
  readonly taskCategory = [
    { name: DATABRICKS_TASK_TYPE, version: 0 },
    { name: SPARK_TASK_TYPE, version: 0 },
  ];
  readonly spec = jobsSpec;
  readonly metaCodec = runMetaCodec;
  // runs/submit takes an idempotency_token: the attempt key makes a repeated CreateTask re-attach to the run.
  override readonly idempotentCreate = true;

  private http = new JobsHttpClient();

  override open(): Promise<void> {
    this.http = new JobsHttpClient();
    return Promise.resolve();
  }

  override close(): Promise<void> {
    this.http.close();
    return Promise.resolve();
  }

  async create(ctx: CreateContext<JobsParams>): Promise<RunMeta> {
    const url = instanceUrl(ctx.params.databricks_instance);
    checkAllowed(url, ctx.params.allowed_instances);
    const instance = instanceBase(url);
    const { body, kind } = submitBody(ctx.template, ctx.execution.attemptKey);
    let answer: unknown;
    try {
      answer = await this.http.call(
        'POST',
        SUBMIT_PATH,
        body,
        this.options(instance, ctx.params.databricks_token, ctx),
      );
    } catch (error) {
      throw toConnectorError(error, 'Submitting the Databricks run failed');
    }
    const runId = (answer as { run_id?: unknown }).run_id;
    if (typeof runId !== 'number' || !Number.isSafeInteger(runId)) {
      throw new InternalError('Databricks accepted the run but its answer carries no run_id');
    }
    ctx.logger.info(
      { instance, runId, kind, idempotent: body['idempotency_token'] !== undefined },
      'Databricks run submitted',
    );
    return { instance, runId };
  }

  async get(meta: RunMeta, ctx: OperationContext<JobsParams>): Promise<Resource> {
    const options = this.operationOptions(meta, ctx);
    let run: RunState;
    try {
      run = (await this.http.call('GET', `${GET_PATH}?run_id=${meta.runId}`, undefined, options)) as RunState;
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return getFailure(error, meta);
    }
    return runResource(run, meta.instance, meta.runId);
  }

  async delete(meta: RunMeta, ctx: OperationContext<JobsParams>): Promise<void> {
    const options = this.operationOptions(meta, ctx);
    try {
      // Databricks answers 200 for a run that already finished; an unknown run is 400/404.
      await this.http.call('POST', CANCEL_PATH, { run_id: meta.runId }, options);
      ctx.logger.info({ runId: meta.runId }, 'Databricks run cancel requested');
    } catch (error) {
      if (isUnknownRun(error)) {
        ctx.logger.info({ runId: meta.runId }, 'Databricks run unknown; nothing to cancel');
        return;
      }
      throw toConnectorError(error, `Cancelling Databricks run ${meta.runId} failed`);
    }
  }

  private operationOptions(meta: RunMeta, ctx: OperationContext<JobsParams>): CallOptions {
    // resource_meta travels through Flyte: the allow-list applies to it too, since the token is sent there.
    checkAllowed(new URL(meta.instance), ctx.params.allowed_instances);
    const token = ctx.params.databricks_token;
    if (token === undefined) {
      throw new InvalidArgumentError(
        'No Databricks token: send the connection secret databricks_token (Flyte 2) or set FLYTE_DATABRICKS_ACCESS_TOKEN on the service.',
      );
    }
    return this.options(meta.instance, token, ctx);
  }

  private options(base: string, token: string, ctx: { signal: AbortSignal; params: Params }): CallOptions {
    return {
      base,
      token,
      signal: ctx.signal,
      timeoutMs: ctx.params.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxRetries: ctx.params.max_retries ?? DEFAULT_MAX_RETRIES,
    };
  }
}

/** Get could not read the run: keep polling through transient trouble, fail clearly on lasting trouble. */
function getFailure(error: unknown, meta: RunMeta): Resource {
  if (!(error instanceof DatabricksHttpError)) throw error;
  if (error.transient) {
    throw new BackendUnavailableError(
      `Databricks did not answer for run ${meta.runId} (${error.message}); will check again.`,
      { cause: new Error(error.message) },
    );
  }
  const logLinks = [consoleLink(meta.instance, undefined, meta.runId)];
  if (isUnknownRun(error)) {
    return {
      phase: 'FAILED',
      message: `Databricks run ${meta.runId} was not found: ${error.message}`,
      logLinks,
    };
  }
  if (error.status === 401 || error.status === 403) {
    return {
      phase: 'FAILED',
      message: `Lost access to Databricks run ${meta.runId} (${error.message}); the run may still be going.`,
      logLinks,
    };
  }
  throw toConnectorError(error, `Reading Databricks run ${meta.runId} failed`);
}
