import type { OpenAI } from 'openai';
import type { Batch, BatchCreateParams } from 'openai/resources/batches';
import {
  AsyncConnector,
  BackendUnavailableError,
  FailedPreconditionError,
  InvalidArgumentError,
  type CreateContext,
  type OperationContext,
  type Resource,
  type ResolvedParams,
} from '@org/connector-core';
import { declaredFileOutputs, downloadBatchFiles, localOutputDir } from './batch-files.js';
import { batchSource } from './batch-input.js';
import { batchResource, dashboardLink, RESULT_OUTPUT } from './batch-status.js';
import { clientSettings } from './client-settings.js';
import { apiFailure, isTransient, toConnectorError } from './errors.js';
import { batchMetaCodec, type BatchMeta } from './meta.js';
import { createClient } from './sdk.js';
import { batchSpec, DEFAULT_REQUEST_TIMEOUT_MS, type BatchParams } from './spec.js';

/** The task type flytekit's BatchEndpointTask serializes. */
export const OPENAI_BATCH_TASK_TYPE = 'openai-batch';

/** flytekit's defaults for `custom.config`. */
const CONFIG_DEFAULTS = { completion_window: '24h', endpoint: '/v1/chat/completions' } as const;

/** Per-attempt bound of a file upload or download; the caller's deadline (ctx.signal) is the one that normally ends it. */
const FILE_TRANSFER_TIMEOUT_MS = 600_000;

type Params = Partial<ResolvedParams<BatchParams>>;

/**
 * Runs `openai-batch` tasks: create (uploading inline or local requests first when the task gives them) starts a
 * batch, get maps its status to a Flyte phase, delete cancels it.
 */
export class OpenAIBatchConnector extends AsyncConnector<BatchMeta, BatchParams> {
  readonly name = 'OpenAI Batch Connector';
  readonly taskCategory = { name: OPENAI_BATCH_TASK_TYPE, version: 0 };
  readonly spec = batchSpec;
  readonly metaCodec = batchMetaCodec;
  // OpenAI's batches.create takes no idempotency key: a repeated CreateTask starts a second batch.
  override readonly idempotentCreate = false;

  async create(ctx: CreateContext<BatchParams>): Promise<BatchMeta> {
    const config = batchConfig(ctx.template.custom?.['config']);
    const source = await batchSource(ctx.inputs, config.endpoint, ctx.params.local_files_root);
    // Refused before anything is uploaded or started: the results would have nowhere to go.
    const fileOutputs = declaredFileOutputs(ctx.outputTypes);
    if (fileOutputs.length > 0) {
      await localOutputDir(ctx.outputPrefix, ctx.params.local_files_root, fileOutputs);
    }
    const client = await this.client(ctx.params, ctx.params.openai_api_key);
    let inputFileId: string;
    let uploadedFileId: string | undefined;
    if (source.kind === 'file-id') {
      inputFileId = source.fileId;
    } else {
      try {
        // Bounded by the caller's deadline only: a large file may take longer than one API call's budget.
        const file = await client.files.create(
          {
            file: new File([source.jsonl], source.filename, { type: 'application/jsonl' }),
            purpose: 'batch',
          },
          { signal: ctx.signal, timeout: FILE_TRANSFER_TIMEOUT_MS },
        );
        inputFileId = file.id;
        uploadedFileId = file.id;
      } catch (error) {
        throw toConnectorError(error, 'Uploading the batch requests failed');
      }
      ctx.logger.info({ fileId: inputFileId, lines: source.lines }, 'batch requests uploaded');
    }
    let batch: Batch;
    try {
      batch = await client.batches.create({ ...config, input_file_id: inputFileId }, this.callOptions(ctx));
    } catch (error) {
      throw toConnectorError(error, 'Creating the batch failed');
    }
    ctx.logger.info({ batchId: batch.id, inputFileId, endpoint: config.endpoint }, 'OpenAI batch created');
    const organization = ctx.params.openai_organization;
    return {
      batchId: batch.id,
      ...(uploadedFileId === undefined ? {} : { uploadedFileId }),
      ...(organization === undefined ? {} : { organization }),
    };
  }

  async get(meta: BatchMeta, ctx: OperationContext<BatchParams>): Promise<Resource> {
    const client = await this.client(withOrganization(ctx.params, meta), requireKey(ctx.params));
    let batch: Batch;
    try {
      batch = await client.batches.retrieve(meta.batchId, this.callOptions(ctx));
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return getFailure(error, meta);
    }
    const resource = batchResource(batch, ctx.outputTypes.has(RESULT_OUTPUT));
    const fileOutputs = declaredFileOutputs(ctx.outputTypes);
    if (resource.phase !== 'SUCCEEDED' || fileOutputs.length === 0) return resource;
    const dir = await localOutputDir(ctx.outputPrefix, ctx.params.local_files_root, fileOutputs);
    let files: Awaited<ReturnType<typeof downloadBatchFiles>>;
    try {
      files = await downloadBatchFiles(
        { results: batch.output_file_id, errors: batch.error_file_id },
        fileOutputs,
        dir,
        // Bounded by the caller's deadline only: result files can be large. A Get cut short downloads again.
        (fileId) => client.files.content(fileId, { signal: ctx.signal, timeout: FILE_TRANSFER_TIMEOUT_MS }),
      );
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      throw downloadFailure(error, meta, dir);
    }
    ctx.logger.info({ batchId: meta.batchId, outputs: fileOutputs }, 'batch files downloaded');
    return { ...resource, outputs: { ...resource.outputs, ...files } };
  }

  async delete(meta: BatchMeta, ctx: OperationContext<BatchParams>): Promise<void> {
    const client = await this.client(withOrganization(ctx.params, meta), requireKey(ctx.params));
    try {
      await client.batches.cancel(meta.batchId, this.callOptions(ctx));
      ctx.logger.info({ batchId: meta.batchId }, 'OpenAI batch cancel requested');
    } catch (error) {
      // 404: unknown batch; 400/409: already finished ("cannot be cancelled"). Either way nothing is left to stop.
      const status = apiFailure(error).status;
      if (status === 404 || status === 400 || status === 409) return;
      throw toConnectorError(error, `Cancelling batch ${meta.batchId} failed`);
    }
  }

  private client(params: Params, apiKey: string): Promise<OpenAI> {
    return createClient(clientSettings(params, apiKey, timeoutOf(params)));
  }

  /** One API call is bounded by the connector's timeout (retries included) and by the caller's deadline. */
  private callOptions(ctx: { readonly signal: AbortSignal; readonly params: Params }): {
    signal: AbortSignal;
  } {
    return { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutOf(ctx.params))]) };
  }
}

function timeoutOf(params: Params): number {
  return params.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

/** Get and delete have no template: the organization the batch was created in comes from resource_meta. */
function withOrganization(params: Params, meta: BatchMeta): Params {
  return meta.organization === undefined ? params : { ...params, openai_organization: meta.organization };
}

function requireKey(params: Params): string {
  const key = params.openai_api_key;
  if (key === undefined) {
    throw new InvalidArgumentError(
      'No OpenAI API key: send the connection secret openai_api_key (Flyte 2) or mount FLYTE_OPENAI_API_KEY on the service.',
    );
  }
  return key;
}

/** batches.create arguments from `custom.config`, with flytekit's defaults. */
function batchConfig(value: unknown): Omit<BatchCreateParams, 'input_file_id'> {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new InvalidArgumentError('custom.config must be an object of batches.create arguments.');
  }
  const config: Record<string, unknown> = {
    ...CONFIG_DEFAULTS,
    ...(value as Record<string, unknown> | undefined),
  };
  delete config['input_file_id']; // the input decides
  if (typeof config['endpoint'] !== 'string')
    throw new InvalidArgumentError('custom.config.endpoint must be a string.');
  // Passed on as flytekit passes them; OpenAI validates the values.
  return config as unknown as Omit<BatchCreateParams, 'input_file_id'>;
}

/** Reading a finished batch's files failed: an API failure maps as any other; a local write failure names the place. */
function downloadFailure(error: unknown, meta: BatchMeta, dir: string): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    /^E[A-Z]+$/.test(code) &&
    (error as { syscall?: unknown }).syscall !== undefined
  ) {
    return new FailedPreconditionError(
      `Batch ${meta.batchId} completed, but its files could not be written to ${dir} (${code}).`,
      { cause: error },
    );
  }
  // No HTTP status: the connection failed or the body was cut off mid-stream; the next Get downloads again.
  const failure = apiFailure(error);
  if (failure.status === undefined) {
    return new BackendUnavailableError(
      `Downloading the files of batch ${meta.batchId} was cut off (${failure.message}); will try again.`,
      { cause: new Error(failure.message) },
    );
  }
  return toConnectorError(error, `Downloading the files of batch ${meta.batchId} failed`);
}

/** Get could not read the batch: keep polling through transient trouble, fail clearly on lasting trouble. */
function getFailure(error: unknown, meta: BatchMeta): Resource {
  const failure = apiFailure(error);
  if (isTransient(failure)) {
    throw new BackendUnavailableError(
      `OpenAI did not answer for batch ${meta.batchId} (${failure.message}); will check again.`,
      { cause: new Error(failure.message) },
    );
  }
  const logLinks = [dashboardLink(meta.batchId)];
  if (failure.status === 404) {
    return { phase: 'FAILED', message: `Batch ${meta.batchId} was not found: ${failure.message}`, logLinks };
  }
  if (failure.status === 401 || failure.status === 403) {
    return {
      phase: 'FAILED',
      message: `Lost access to batch ${meta.batchId} (${failure.message}); the batch may still be running.`,
      logLinks,
    };
  }
  throw toConnectorError(error, `Reading batch ${meta.batchId} failed`);
}
