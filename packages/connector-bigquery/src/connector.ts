import { createRequire } from 'node:module';
import type { BigQuery, JobMetadata } from '@google-cloud/bigquery';
import {
  AlreadyExistsError,
  AsyncConnector,
  BackendUnavailableError,
  InvalidArgumentError,
  InvalidParameterError,
  type ConnectorEnvironment,
  type CreateContext,
  type LiteralType,
  type Logger,
  type OperationContext,
  type Resource,
  type ResolvedParams,
  type TaskTemplate,
} from '@org/connector-core';
import { ClientCache } from './client-cache.js';
import { withDeadline } from './deadline.js';
import {
  CREDENTIALS_PARAM,
  forgetParsedKeys,
  GOOGLE_TOKEN_URI,
  serviceAccountKey,
  shortFingerprint,
} from './credentials.js';
import { apiFailure, describe, isTransient, toConnectorError } from './errors.js';
import { jobConfiguration, readJobSettings } from './job-config.js';
import { jobIdFor } from './job-id.js';
import { JobReader, proxyConfigured } from './job-reader.js';
import { consoleLink, dryRunResource, JOB_STATUS_FIELDS, jobResource, RESULTS_OUTPUT } from './job-status.js';
import { identityLabels, mergeLabels } from './labels.js';
import { bigQueryMetaCodec, type BigQueryJobMeta } from './meta.js';
import { buildQueryParameters } from './query-parameters.js';
import { createClient } from './sdk.js';
import {
  bigQuerySpec,
  DEFAULT_MAX_RETRIES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type BigQueryParams,
} from './spec.js';

/** The task type flytekit's and flyte-sdk's BigQueryTask serialize. */
export const BIGQUERY_TASK_TYPE = 'bigquery_query_job_task';

/** How many (project, credential, endpoint) clients are kept; the least recently used one goes first. */
const CLIENT_CACHE_SIZE = 32;

const packageVersion = (
  createRequire(import.meta.url)('@org/connector-bigquery/package.json') as { version: string }
).version;

type Params = Partial<ResolvedParams<BigQueryParams>>;

/**
 * Runs BigQuery query jobs for `bigquery_query_job_task` tasks: create inserts a query job whose id derives from
 * the task attempt, get maps the job's state to a Flyte phase, delete cancels it.
 */
export class BigQueryConnector extends AsyncConnector<BigQueryJobMeta, BigQueryParams> {
  readonly name = 'BigQuery Connector';
  readonly taskCategory = { name: BIGQUERY_TASK_TYPE, version: 0 };
  readonly spec = bigQuerySpec;
  readonly metaCodec = bigQueryMetaCodec;
  override readonly idempotentCreate = true;

  private readonly clients = new ClientCache<BigQuery>(CLIENT_CACHE_SIZE);
  private readonly jobs = new JobReader(`flyte-connector-bigquery/${packageVersion}`);
  private env: NodeJS.ProcessEnv = process.env;
  /** Read once: environment lookups are slow enough to show in a poll's profile. */
  private viaProxy = proxyConfigured(process.env);

  override async open(environment: ConnectorEnvironment): Promise<void> {
    this.env = environment.env;
    this.viaProxy = proxyConfigured(environment.env);
  }

  override async close(): Promise<void> {
    this.clients.clear();
    this.jobs.close();
    forgetParsedKeys();
  }

  override onSecretsChanged(keys: readonly string[]): void {
    // Clients are keyed by credential fingerprint, so a rotated key gets a new client anyway; dropping the old
    // ones (and the parsed keys) releases the replaced key from memory.
    if (keys.some((key) => key.toLowerCase() === CREDENTIALS_PARAM)) {
      this.clients.clear();
      forgetParsedKeys();
    }
  }

  async create(ctx: CreateContext<BigQueryParams>): Promise<BigQueryJobMeta> {
    const sql = sqlOf(ctx.template);
    const project = ctx.params.project;
    const settings = readJobSettings(ctx.template.custom, project);
    if (settings.ignored.length > 0)
      ctx.logger.debug({ ignored: settings.ignored }, 'ignored unknown custom fields');
    if (settings.dryRun && ctx.outputTypes.has(RESULTS_OUTPUT)) {
      throw new InvalidArgumentError(
        `custom.dryRun: a dry run produces no table, but the task declares the '${RESULTS_OUTPUT}' output.`,
      );
    }
    const parameters = buildQueryParameters(
      ctx.inputs,
      inputTypes(ctx.template),
      settings.declaredParameters,
    );
    const labels = mergeLabels(settings.labels, identityLabels(ctx.execution, ctx.template));
    const configuration = jobConfiguration(settings, sql, parameters, labels);
    const { jobId, deterministic } = jobIdFor(ctx.execution.attemptKey);
    if (!deterministic) {
      ctx.logger.warn(
        { jobId },
        'no task execution id in the request: a repeated CreateTask would start another job',
      );
    }
    const location = ctx.params.location;
    const client = await this.client(ctx.params, project, ctx.logger);
    const timeoutMs = timeoutOf(ctx.params);

    let created: JobMetadata;
    try {
      const insert = client.createJob({
        configuration,
        jobId,
        ...(location === undefined ? {} : { location }),
      });
      const [, response] = await withDeadline(insert, timeoutMs, `Inserting job ${jobId}`);
      created = response;
    } catch (error) {
      const failure = apiFailure(error);
      if (failure.status === 409) {
        return this.reattach(client, { jobId, project, location }, sql, timeoutMs, ctx.logger);
      }
      // The SDK rejects when the insert answer lists errors, although the job exists and is running (or done):
      // it is created, and get reports its fate.
      const response = insertResponse(error);
      if (response === undefined) throw toConnectorError(error, `Creating BigQuery job ${jobId} failed`);
      created = response;
    }
    const dryRunError = settings.dryRun ? created.status?.errorResult : undefined;
    if (dryRunError !== undefined && dryRunError !== null) {
      // A dry run leaves no job to report on later: its verdict on the query is the answer to CreateTask.
      throw new InvalidArgumentError(
        `Dry run: BigQuery rejected the query: ${dryRunError.reason ?? 'error'}: ${dryRunError.message ?? ''}`,
      );
    }
    const meta: BigQueryJobMeta = {
      jobId,
      project,
      ...withLocation(created.jobReference?.location ?? location),
      ...(settings.dryRun ? { dryRun: dryRunEstimate(created) } : {}),
    };
    ctx.logger.info(
      { jobId, project, location: meta.location, parameters: parameters.length, dryRun: settings.dryRun },
      'BigQuery job created',
    );
    return meta;
  }

  async get(meta: BigQueryJobMeta, ctx: OperationContext<BigQueryParams>): Promise<Resource> {
    if (meta.dryRun !== undefined) return dryRunResource(meta);
    const client = await this.client(ctx.params, meta.project, ctx.logger);
    let job: JobMetadata;
    try {
      job = await this.readStatus(client, meta, ctx.params);
    } catch (error) {
      return this.getFailure(error, meta);
    }
    return jobResource(job, meta, ctx.outputTypes.has(RESULTS_OUTPUT));
  }

  async delete(meta: BigQueryJobMeta, ctx: OperationContext<BigQueryParams>): Promise<void> {
    if (meta.dryRun !== undefined) return;
    const client = await this.client(ctx.params, meta.project, ctx.logger);
    try {
      // BigQuery answers a cancel of a finished job with the job; only an unknown job is an error (404).
      const cancel = client.job(meta.jobId, withLocation(meta.location)).cancel();
      await withDeadline(cancel, timeoutOf(ctx.params), `Cancelling job ${meta.jobId}`);
      ctx.logger.info({ jobId: meta.jobId }, 'BigQuery job cancel requested');
    } catch (error) {
      if (apiFailure(error).status === 404) return;
      throw toConnectorError(error, `Cancelling BigQuery job ${meta.jobId} failed`);
    }
  }

  /** The job's status fields, through the lean poll client unless requests must go through a proxy. */
  private readStatus(client: BigQuery, meta: BigQueryJobMeta, params: Params): Promise<JobMetadata> {
    const timeoutMs = timeoutOf(params);
    if (this.viaProxy) {
      return readJob(client, meta.jobId, meta.location, timeoutMs, JOB_STATUS_FIELDS);
    }
    const read = this.jobs.read(client, {
      jobId: meta.jobId,
      location: meta.location,
      fields: JOB_STATUS_FIELDS,
      maxRetries: params.max_retries ?? DEFAULT_MAX_RETRIES,
      timeoutMs,
    });
    return withDeadline(read, timeoutMs, `Reading job ${meta.jobId}`);
  }

  /** A repeated CreateTask found the attempt's job already inserted: report that job instead of a new one. */
  private async reattach(
    client: BigQuery,
    target: { jobId: string; project: string; location: string | undefined },
    sql: string,
    timeoutMs: number,
    logger: Logger,
  ): Promise<BigQueryJobMeta> {
    let existing: JobMetadata;
    try {
      // The whole resource: the SQL text, which the status fields leave out, is compared below.
      existing = await readJob(client, target.jobId, target.location, timeoutMs);
    } catch (error) {
      throw toConnectorError(error, `BigQuery job ${target.jobId} exists but could not be read`);
    }
    const existingSql = existing.configuration?.query?.query;
    if (typeof existingSql === 'string' && existingSql !== sql) {
      throw new AlreadyExistsError(
        `BigQuery job ${target.jobId} already exists with a different query; refusing to report it as this task's job.`,
      );
    }
    logger.info({ jobId: target.jobId }, 're-attached to the existing BigQuery job of this attempt');
    return {
      jobId: target.jobId,
      project: target.project,
      ...withLocation(existing.jobReference?.location ?? target.location),
    };
  }

  /** Get could not read the job: keep polling on transient trouble, fail clearly on lasting trouble. */
  private getFailure(error: unknown, meta: BigQueryJobMeta): Resource {
    const failure = apiFailure(error);
    if (isTransient(failure)) {
      throw new BackendUnavailableError(
        `BigQuery did not answer for job ${meta.jobId} (${describe(failure)}); will check again.`,
        { cause: new Error(describe(failure)) },
      );
    }
    const logLinks = [consoleLink(meta)];
    if (failure.status === 404) {
      return {
        phase: 'FAILED',
        message: `BigQuery job ${meta.jobId} was not found in project ${meta.project}${meta.location === undefined ? '' : ` (location ${meta.location})`}: it vanished or was never created.`,
        logLinks,
      };
    }
    if (failure.status === 401 || failure.status === 403 || failure.tokenError !== undefined) {
      // Credentials that worked at create no longer do (rotated, revoked, permission removed): polling will
      // not fix that. The job itself may still be running, so say so.
      return {
        phase: 'FAILED',
        message: `Lost access to BigQuery job ${meta.jobId} (${describe(failure)}); the job may still be running, check the BigQuery Console.`,
        logLinks,
      };
    }
    throw toConnectorError(error, `Reading BigQuery job ${meta.jobId} failed`);
  }

  /** The cached client for a project and credential (service-account key, or Application Default Credentials). */
  private async client(params: Params, project: string, logger: Logger): Promise<BigQuery> {
    const credentials = params.google_application_credentials;
    const key = credentials === undefined ? undefined : serviceAccountKey(credentials);
    const apiEndpoint = params.api_endpoint;
    const emulator = this.env['BIGQUERY_EMULATOR_HOST'];
    if (key !== undefined && key.tokenUri !== GOOGLE_TOKEN_URI && apiEndpoint === undefined && !emulator) {
      // A per-request key could otherwise make the service post to any URL it names.
      throw new InvalidParameterError(
        CREDENTIALS_PARAM,
        `token_uri is not Google's token endpoint, which is accepted only when the operator set a private endpoint (FLYTE_BIGQUERY_ENDPOINT)`,
      );
    }
    const maxRetries = params.max_retries ?? DEFAULT_MAX_RETRIES;
    const auth =
      key === undefined ? 'application-default' : `service-account:${shortFingerprint(key.fingerprint)}`;
    const cacheKey = JSON.stringify([project, key?.fingerprint ?? '', apiEndpoint ?? '', maxRetries]);
    return this.clients.get(cacheKey, () => {
      logger.info(
        { project, auth, endpoint: emulator ?? apiEndpoint ?? 'default' },
        'creating BigQuery client',
      );
      return createClient({
        project,
        key,
        apiEndpoint,
        maxRetries,
        userAgent: `flyte-connector-bigquery/${packageVersion}`,
      });
    });
  }
}

/**
 * jobs.get, with only `fields` in the answer when given. (The SDK types job metadata as `any`; it is the REST
 * Job resource.)
 *
 * This is the request `client.job(id).getMetadata()` makes, sent through the client's own authenticated request
 * path (`BigQuery#request`, which the SDK's Job methods call underneath: same URL, token, retries, error
 * decoding). GetTask reads a job about once a second for as long as it runs, and going through a Job object
 * made every poll build one (an Operation with its event emitter, method table and promisified methods) and
 * deep-copy the request options twice more on the way down; in the 1,000-job bench that layer cost about 5% of
 * the service's CPU per GetTask. The `fields` selection (see JOB_STATUS_FIELDS) is passed as the query parameter
 * `getMetadata(options)` would pass.
 */
function readJob(
  client: BigQuery,
  jobId: string,
  location: string | undefined,
  timeoutMs: number,
  fields?: string,
): Promise<JobMetadata> {
  const read = new Promise<JobMetadata>((resolve, reject) => {
    const qs = { ...withLocation(location), ...(fields === undefined ? {} : { fields }) };
    client.request({ uri: `/jobs/${jobId}`, qs }, (error, body) => {
      if (error) reject(error);
      else resolve(body as JobMetadata);
    });
  });
  return withDeadline(read, timeoutMs, `Reading job ${jobId}`);
}

function timeoutOf(params: Params): number {
  return params.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

function sqlOf(template: TaskTemplate): string {
  const sql = template.target.case === 'sql' ? template.target.value.statement : '';
  if (sql.trim() === '') {
    throw new InvalidArgumentError('The task has no SQL: template.sql.statement is empty.');
  }
  return sql;
}

function inputTypes(template: TaskTemplate): Map<string, LiteralType> {
  const types = new Map<string, LiteralType>();
  for (const entry of template.interface?.inputs?.variables ?? []) {
    if (entry.value?.type !== undefined) types.set(entry.key, entry.value.type);
  }
  return types;
}

function withLocation(location: string | null | undefined): { location?: string } {
  return location === undefined || location === null || location === '' ? {} : { location };
}

/** The job resource inside an SDK insert error, when the job was created nevertheless. */
function insertResponse(error: unknown): JobMetadata | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const response = (error as { response?: unknown }).response;
  if (typeof response !== 'object' || response === null) return undefined;
  // A Job resource (a dry run's has no job id), not the HTTP response object of other errors.
  const job = response as JobMetadata;
  return typeof job.jobReference === 'object' && typeof job.status?.state === 'string' ? job : undefined;
}

function dryRunEstimate(job: JobMetadata): { totalBytesProcessed: string; statementType?: string } {
  const statistics = job.statistics ?? {};
  const bytes = statistics.query?.totalBytesProcessed ?? statistics.totalBytesProcessed ?? '0';
  const statementType = statistics.query?.statementType;
  return {
    totalBytesProcessed: String(bytes),
    ...(typeof statementType === 'string' ? { statementType } : {}),
  };
}
