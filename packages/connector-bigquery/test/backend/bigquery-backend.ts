// A local BigQuery REST v2 backend for the tests, written from the documented protocol the Node SDK speaks:
// jobs.insert (caller-chosen job ids, 409 on a duplicate), jobs.get (with the location rule), jobs.cancel,
// jobs.getQueryResults, Google's error bodies, OAuth bearer tokens issued by a local token endpoint that
// verifies service-account JWT assertions, partial responses (`fields`) on jobs.get. Tests drive job states,
// inject faults and read the requests.
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { readAssertion, type JwtClaims } from './jwt.js';
import { JOB_RESOURCE_FIELDS, parseFields, selectFields, type FieldSelection } from './partial-response.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type JobState = 'PENDING' | 'RUNNING' | 'DONE';
/** Requests a fault applies to: one operation, or every request (`any`). */
export type FaultTarget = Operation | 'any';
export type Operation =
  'jobs.insert' | 'jobs.get' | 'jobs.cancel' | 'jobs.getQueryResults' | 'token' | 'unknown';

export interface ErrorProto {
  readonly reason: string;
  readonly message: string;
  readonly location?: string;
}

/**
 * How a new job progresses. `auto`: PENDING for `pendingMs`, RUNNING for `runningMs`, then DONE (with `error`
 * when given). `manual`: it stays PENDING until the test calls `transition`.
 */
export interface JobPlan {
  readonly mode: 'auto' | 'manual';
  readonly pendingMs?: number;
  readonly runningMs?: number;
  readonly error?: ErrorProto;
  /** Rows getQueryResults returns (one INTEGER column `f0_`). */
  readonly rows?: readonly number[];
}

export type Fault =
  /** Answer with this HTTP status and a Google error body. */
  | { readonly kind: 'error'; readonly status: number; readonly reason: string; readonly message?: string }
  /** Answer normally, but only after this long. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Accept the request and never answer (until the backend closes). */
  | { readonly kind: 'hang' }
  /** Destroy the connection without answering (the client sees a reset / socket hang up). */
  | { readonly kind: 'drop' }
  /** Process the request, then destroy the connection instead of answering (the answer is lost in transit). */
  | { readonly kind: 'lose-answer' };

export interface RecordedRequest {
  readonly op: Operation;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Json | undefined;
  /** The service account the bearer token was issued to (undefined without a valid token). */
  readonly principal: string | undefined;
}

export interface BackendJob {
  readonly projectId: string;
  readonly jobId: string;
  readonly location: string;
  readonly configuration: JobsConfiguration;
  readonly plan: JobPlan;
  readonly principal: string | undefined;
  readonly createdAt: number;
  /** A JobState, or any other text a test sets to play a state BigQuery might add one day. */
  state: JobState | (string & {});
  startedAt?: number;
  endedAt?: number;
  errorResult?: ErrorProto;
  errors?: ErrorProto[];
  cacheHit: boolean;
  cancelRequested: boolean;
}

interface JobsConfiguration extends JsonObject {
  query: JsonObject;
}

export interface BackendOptions {
  /** Location of jobs inserted without one (BigQuery picks it from the data; US here). */
  readonly defaultLocation?: string;
  /** Refuse API calls without a bearer token from the local token endpoint (401). Default true. */
  readonly requireAuth?: boolean;
  /** Plan of new jobs. Default: done at once. */
  readonly plan?: JobPlan;
}

const TOKEN_PATH = '/token';
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Locations where jobs.get finds a job without the `location` parameter (the multi-regions). */
const LOCATION_OPTIONAL = new Set(['US', 'EU']);
const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;
const LABEL_KEY = /^\p{Ll}[\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

export class BigQueryBackend {
  readonly requests: RecordedRequest[] = [];
  /** Decoded assertions the token endpoint accepted. */
  readonly assertions: JwtClaims[] = [];
  /** TCP connections accepted so far (keep-alive reuse shows as few connections for many requests). */
  connections = 0;
  plan: JobPlan;
  requireAuth: boolean;

  private readonly jobsByKey = new Map<string, BackendJob>();
  private readonly nextPlans: JobPlan[] = [];
  private readonly faults: { target: FaultTarget; fault: Fault; remaining: number }[] = [];
  /** Ids of inserted jobs in creation order (a duplicate insert adds nothing). */
  private readonly created: string[] = [];
  private readonly serviceAccounts = new Map<string, KeyObject>();
  private readonly tokens = new Map<string, { principal: string; expiresAt: number }>();
  private readonly denied = new Set<string>();
  private readonly completedQueries = new Set<string>();
  private readonly defaultLocation: string;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    options: BackendOptions,
  ) {
    this.defaultLocation = options.defaultLocation ?? 'US';
    this.requireAuth = options.requireAuth ?? true;
    this.plan = options.plan ?? { mode: 'auto' };
  }

  static async start(options: BackendOptions = {}): Promise<BigQueryBackend> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const backend = new BigQueryBackend(server, (server.address() as AddressInfo).port, options);
    server.on('connection', () => (backend.connections += 1));
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      backend.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendError(response, 500, 'internalError', String(error));
      });
    });
    return backend;
  }

  /** API root, as given to the SDK's `apiEndpoint` (the SDK appends `/bigquery/v2`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get tokenUri(): string {
    return `${this.url}${TOKEN_PATH}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------------------------ test control

  registerServiceAccount(email: string, publicKey: KeyObject): void {
    this.serviceAccounts.set(email, publicKey);
  }

  /** Answers 403 accessDenied to every API call on this project. */
  denyAccess(projectId: string): void {
    this.denied.add(projectId);
  }

  allowAccess(projectId: string): void {
    this.denied.delete(projectId);
  }

  /** Makes every issued access token invalid (as if the key had been disabled). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** The plan of the next inserted job (then the default plan again). */
  planNextJob(plan: JobPlan): void {
    this.nextPlans.push(plan);
  }

  /** Queues a fault for the next `times` requests of an operation (or of any kind; `Infinity` until cleared). */
  inject(target: FaultTarget, fault: Fault, times = 1): void {
    this.faults.push({ target, fault, remaining: times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Ids of every job created, in creation order. */
  createdJobIds(): string[] {
    return [...this.created];
  }

  /** Ids of every job a cancel was requested for. */
  cancelledJobIds(): string[] {
    return this.requestsFor('jobs.cancel').map((request) =>
      decodeURIComponent(request.path.split('/')[4] ?? ''),
    );
  }

  /** Sets a job's state to any text, as BigQuery might report a state this connector has never seen. */
  setRawState(jobId: string, state: string): void {
    const job = this.job(jobId);
    if (job === undefined) throw new Error(`no job ${jobId}`);
    job.state = state;
  }

  jobs(): BackendJob[] {
    return [...this.jobsByKey.values()];
  }

  job(jobId: string): BackendJob | undefined {
    return this.jobs().find((job) => job.jobId === jobId);
  }

  /** Moves a job to a state (DONE with an error when given). */
  transition(jobId: string, state: JobState, error?: ErrorProto): void {
    const job = this.job(jobId);
    if (job === undefined) throw new Error(`no job ${jobId}`);
    if (state === 'RUNNING') {
      job.state = 'RUNNING';
      job.startedAt ??= Date.now();
    } else if (state === 'DONE') {
      this.finish(job, error);
    } else {
      job.state = state;
    }
  }

  /** Deletes a job as if it had expired from BigQuery's job history. */
  forget(jobId: string): void {
    const job = this.job(jobId);
    if (job !== undefined) this.jobsByKey.delete(`${job.projectId}/${job.jobId}`);
  }

  requestsFor(op: Operation): RecordedRequest[] {
    return this.requests.filter((request) => request.op === op);
  }

  // ------------------------------------------------------------------------------------------------ HTTP

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    // The SDK calls `${apiEndpoint}/bigquery/v2/...`; with BIGQUERY_EMULATOR_HOST it calls `${host}/...`.
    const path = url.pathname.replace(/^\/bigquery\/v2(?=\/)/, '');
    const route = this.route(request.method ?? 'GET', path);
    const raw = await readBody(request);
    const body = parseBody(raw, request.headers['content-type']);
    const principal = this.principalOf(request.headers.authorization);
    this.requests.push({
      op: route.op,
      method: request.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body,
      principal,
    });

    const fault = this.takeFault(route.op);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'drop') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'lose-answer') {
      response.writeHead = () => response;
      response.end = (() => {
        request.socket.destroy();
        return response;
      }) as typeof response.end;
    }
    if (fault?.kind === 'error') {
      sendError(response, fault.status, fault.reason, fault.message ?? defaultMessage(fault.status));
      return;
    }

    if (route.op === 'token') {
      this.token(body, response);
      return;
    }
    if (route.op === 'unknown') {
      sendError(response, 404, 'notFound', `Not found: URL ${path}`);
      return;
    }
    if (this.requireAuth && principal === undefined) {
      sendError(
        response,
        401,
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        'Invalid Credentials',
      );
      return;
    }
    const project = route.params['project'] ?? '';
    if (this.denied.has(project)) {
      sendError(
        response,
        403,
        'accessDenied',
        `Access Denied: Project ${project}: User does not have bigquery.jobs.create permission in project ${project}.`,
      );
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    switch (route.op) {
      case 'jobs.insert':
        this.insert(project, body, principal, response);
        return;
      case 'jobs.get':
        this.get(project, route.params['job'] ?? '', query['location'], query['fields'], response);
        return;
      case 'jobs.cancel':
        this.cancel(project, route.params['job'] ?? '', query['location'], response);
        return;
      case 'jobs.getQueryResults':
        this.queryResults(project, route.params['job'] ?? '', query['location'], response);
        return;
    }
  }

  private route(method: string, path: string): { op: Operation; params: Record<string, string> } {
    if (method === 'POST' && path === TOKEN_PATH) return { op: 'token', params: {} };
    let match = /^\/projects\/([^/]+)\/jobs$/.exec(path);
    if (match !== null && method === 'POST')
      return { op: 'jobs.insert', params: { project: decode(match[1]) } };
    match = /^\/projects\/([^/]+)\/jobs\/([^/]+)\/cancel$/.exec(path);
    if (match !== null && method === 'POST') {
      return { op: 'jobs.cancel', params: { project: decode(match[1]), job: decode(match[2]) } };
    }
    match = /^\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(path);
    if (match !== null && method === 'GET') {
      return { op: 'jobs.get', params: { project: decode(match[1]), job: decode(match[2]) } };
    }
    match = /^\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path);
    if (match !== null && method === 'GET') {
      return { op: 'jobs.getQueryResults', params: { project: decode(match[1]), job: decode(match[2]) } };
    }
    return { op: 'unknown', params: {} };
  }

  private takeFault(op: Operation): Fault | undefined {
    const index = this.faults.findIndex(
      (entry) => (entry.target === op || entry.target === 'any') && entry.remaining > 0,
    );
    if (index < 0) return undefined;
    const entry = this.faults[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.faults.splice(index, 1);
    return entry.fault;
  }

  // ------------------------------------------------------------------------------------------------ OAuth

  private principalOf(authorization: string | undefined): string | undefined {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return undefined;
    const grant = this.tokens.get(token);
    return grant !== undefined && grant.expiresAt > Date.now() ? grant.principal : undefined;
  }

  private token(body: Json | undefined, response: ServerResponse): void {
    const form: JsonObject = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
    if (form['grant_type'] !== JWT_GRANT || typeof form['assertion'] !== 'string') {
      sendJson(response, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' });
      return;
    }
    const result = readAssertion(form['assertion'], (issuer) => this.serviceAccounts.get(issuer));
    if ('problem' in result) {
      sendJson(response, 400, { error: 'invalid_grant', error_description: result.problem });
      return;
    }
    const { claims } = result;
    // google-auth-library signs for Google's endpoint even when it posts elsewhere; accept either audience.
    if (claims.aud !== GOOGLE_TOKEN_URI && claims.aud !== this.tokenUri) {
      sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT: audience.' });
      return;
    }
    if (!(claims.scope ?? '').split(' ').includes(BIGQUERY_SCOPE)) {
      sendJson(response, 400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope.' });
      return;
    }
    this.assertions.push(claims);
    const accessToken = `ya29.test-${randomBytes(12).toString('hex')}`;
    this.tokens.set(accessToken, { principal: claims.iss, expiresAt: Date.now() + 3_600_000 });
    sendJson(response, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  // ------------------------------------------------------------------------------------------------ jobs

  private insert(
    project: string,
    body: Json | undefined,
    principal: string | undefined,
    response: ServerResponse,
  ): void {
    const resource = asObject(body);
    const reference = asObject(resource?.['jobReference']);
    const configuration = asObject(resource?.['configuration']);
    const query = asObject(configuration?.['query']);
    const jobId =
      typeof reference?.['jobId'] === 'string'
        ? reference['jobId']
        : `job_${randomBytes(12).toString('hex')}`;
    if (!JOB_ID.test(jobId)) {
      sendError(
        response,
        400,
        'invalid',
        `Invalid job ID "${jobId.slice(0, 64)}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
      );
      return;
    }
    if (configuration === undefined || query === undefined || typeof query['query'] !== 'string') {
      sendError(response, 400, 'invalid', 'Required parameter is missing: query');
      return;
    }
    const badRequest = checkConfiguration(configuration, query);
    if (badRequest !== undefined) {
      sendError(response, 400, 'invalid', badRequest);
      return;
    }
    const location =
      typeof reference?.['location'] === 'string' ? reference['location'] : this.defaultLocation;
    if (configuration['dryRun'] === true) {
      sendJson(response, 200, dryRunResource(project, location, query));
      return;
    }
    const key = `${project}/${jobId}`;
    const existing = this.jobsByKey.get(key);
    if (existing !== undefined) {
      const message = `Already Exists: Job ${project}:${existing.location}.${jobId}`;
      sendError(response, 409, 'duplicate', message);
      return;
    }
    const jobConfiguration = structuredClone(configuration) as JobsConfiguration;
    const jobQuery = jobConfiguration.query;
    if (jobQuery['destinationTable'] === undefined) {
      // BigQuery writes results of queries without a destination to an anonymous table.
      const hash = createHash('sha1').update(`${project}/${jobId}`).digest('hex');
      jobQuery['destinationTable'] = { projectId: project, datasetId: `_${hash}`, tableId: `anon${hash}` };
      jobQuery['writeDisposition'] ??= 'WRITE_TRUNCATE';
    }
    jobQuery['priority'] ??= 'INTERACTIVE';
    const plan = this.nextPlans.shift() ?? this.plan;
    const job: BackendJob = {
      projectId: project,
      jobId,
      location,
      configuration: jobConfiguration,
      plan,
      principal,
      createdAt: Date.now(),
      state: 'PENDING',
      cacheHit: false,
      cancelRequested: false,
    };
    this.jobsByKey.set(key, job);
    this.created.push(jobId);
    // Invalid queries fail at once: the insert answer is already DONE with the error.
    const invalid = queryProblem(jobQuery);
    if (invalid !== undefined) this.finish(job, invalid);
    else this.refresh(job);
    sendJson(response, 200, this.resource(job));
  }

  private find(
    project: string,
    jobId: string,
    location: string | undefined,
    response: ServerResponse,
  ): BackendJob | undefined {
    const job = this.jobsByKey.get(`${project}/${jobId}`);
    const wrongLocation =
      job !== undefined &&
      (location === undefined
        ? !LOCATION_OPTIONAL.has(job.location)
        : location.toUpperCase() !== job.location.toUpperCase());
    if (job === undefined || wrongLocation) {
      sendError(
        response,
        404,
        'notFound',
        `Not found: Job ${project}:${location ?? job?.location ?? 'US'}.${jobId}`,
      );
      return undefined;
    }
    this.refresh(job);
    return job;
  }

  private get(
    project: string,
    jobId: string,
    location: string | undefined,
    fields: string | undefined,
    response: ServerResponse,
  ): void {
    let selection: FieldSelection | undefined;
    if (fields !== undefined) {
      try {
        selection = parseFields(fields);
      } catch (error) {
        sendError(response, 400, 'invalid', (error as Error).message);
        return;
      }
      const unknown = [...selection.keys()].find((field) => !JOB_RESOURCE_FIELDS.has(field));
      if (unknown !== undefined) {
        sendError(response, 400, 'invalid', `Invalid field selection ${unknown}`);
        return;
      }
    }
    const job = this.find(project, jobId, location, response);
    if (job === undefined) return;
    const resource = this.resource(job);
    sendJson(response, 200, selection === undefined ? resource : selectFields(resource, selection));
  }

  private cancel(
    project: string,
    jobId: string,
    location: string | undefined,
    response: ServerResponse,
  ): void {
    const job = this.find(project, jobId, location, response);
    if (job === undefined) return;
    // Cancellation is asynchronous: the answer shows the job as it is, a later jobs.get shows it stopped.
    if (job.state !== 'DONE') job.cancelRequested = true;
    sendJson(response, 200, { kind: 'bigquery#jobCancelResponse', job: this.resource(job) });
  }

  private queryResults(
    project: string,
    jobId: string,
    location: string | undefined,
    response: ServerResponse,
  ): void {
    const job = this.find(project, jobId, location, response);
    if (job === undefined) return;
    const jobReference = { projectId: job.projectId, jobId: job.jobId, location: job.location };
    if (job.state !== 'DONE') {
      sendJson(response, 200, { kind: 'bigquery#getQueryResultsResponse', jobReference, jobComplete: false });
      return;
    }
    if (job.errorResult !== undefined) {
      sendError(response, 400, job.errorResult.reason, job.errorResult.message);
      return;
    }
    const rows = job.plan.rows ?? [1];
    sendJson(response, 200, {
      kind: 'bigquery#getQueryResultsResponse',
      etag: etag(job),
      schema: { fields: [{ name: 'f0_', type: 'INTEGER', mode: 'NULLABLE' }] },
      jobReference,
      totalRows: String(rows.length),
      rows: rows.map((value) => ({ f: [{ v: String(value) }] })),
      totalBytesProcessed: job.cacheHit ? '0' : '10485760',
      jobComplete: true,
      cacheHit: job.cacheHit,
    });
  }

  /** Advances an auto-planned job by the clock, and stops a job whose cancel was requested. */
  private refresh(job: BackendJob): void {
    if (job.state === 'DONE') return;
    if (job.cancelRequested) {
      this.finish(job, {
        reason: 'stopped',
        message: 'Job execution was cancelled: User requested cancellation',
      });
      return;
    }
    if (job.plan.mode === 'manual') return;
    const elapsed = Date.now() - job.createdAt;
    const pendingMs = job.plan.pendingMs ?? 0;
    const runningMs = job.plan.runningMs ?? 0;
    if (elapsed >= pendingMs + runningMs) {
      this.finish(job, job.plan.error);
    } else if (elapsed >= pendingMs) {
      job.state = 'RUNNING';
      job.startedAt ??= Date.now();
    }
  }

  private finish(job: BackendJob, error: ErrorProto | undefined): void {
    job.state = 'DONE';
    job.startedAt ??= Date.now();
    job.endedAt = Date.now();
    if (error !== undefined) {
      job.errorResult = error;
      job.errors = [error];
      return;
    }
    const fingerprint = JSON.stringify([
      job.configuration.query['query'],
      job.configuration.query['queryParameters'] ?? null,
    ]);
    job.cacheHit =
      job.configuration.query['useQueryCache'] !== false && this.completedQueries.has(fingerprint);
    this.completedQueries.add(fingerprint);
  }

  /** The REST Job resource. */
  private resource(job: BackendJob): JsonObject {
    const statistics: JsonObject = { creationTime: String(job.createdAt) };
    if (job.startedAt !== undefined) statistics['startTime'] = String(job.startedAt);
    if (job.endedAt !== undefined) statistics['endTime'] = String(job.endedAt);
    const statementType = statementTypeOf(text(job.configuration.query['query']));
    if (job.state === 'DONE' && job.errorResult === undefined) {
      const processed = job.cacheHit ? '0' : '10485760';
      statistics['totalBytesProcessed'] = processed;
      statistics['totalSlotMs'] = job.cacheHit ? '0' : '1234';
      statistics['query'] = {
        totalBytesProcessed: processed,
        totalBytesBilled: job.cacheHit ? '0' : '10485760',
        totalSlotMs: job.cacheHit ? '0' : '1234',
        cacheHit: job.cacheHit,
        statementType,
        ...(statementType === 'SELECT' ? {} : { numDmlAffectedRows: '3' }),
      };
    } else {
      statistics['query'] = { statementType };
    }
    const status: JsonObject = { state: job.state };
    if (job.errorResult !== undefined) {
      status['errorResult'] = { ...job.errorResult };
      status['errors'] = (job.errors ?? []).map((error) => ({ ...error }));
    }
    return {
      kind: 'bigquery#job',
      etag: etag(job),
      id: `${job.projectId}:${job.location}.${job.jobId}`,
      selfLink: `${this.url}/bigquery/v2/projects/${job.projectId}/jobs/${job.jobId}?location=${job.location}`,
      user_email: job.principal ?? 'anonymous',
      configuration: structuredClone(job.configuration),
      jobReference: { projectId: job.projectId, jobId: job.jobId, location: job.location },
      statistics,
      status,
      principal_subject: `serviceAccount:${job.principal ?? 'anonymous'}`,
      jobCreationReason: { code: 'REQUESTED' },
    };
  }
}

// ---------------------------------------------------------------------------------------------- validation

/** Request-level checks BigQuery makes at insert (400 invalid). */
function checkConfiguration(configuration: JsonObject, query: JsonObject): string | undefined {
  const labels = asObject(configuration['labels']);
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!LABEL_KEY.test(key)) return `Invalid label key: ${key}`;
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) return `Invalid label value for key ${key}`;
  }
  if (Object.keys(labels ?? {}).length > 64) return 'Too many labels';
  const parameters = query['queryParameters'];
  if (parameters === undefined) return undefined;
  if (!Array.isArray(parameters)) return 'Invalid value for queryParameters';
  const named = query['parameterMode'] === 'NAMED';
  for (const parameter of parameters) {
    const object = asObject(parameter);
    if (object === undefined) return 'Invalid query parameter';
    if (named && typeof object['name'] !== 'string') return 'Named parameters must have a name';
    const typeProblem = parameterTypeProblem(asObject(object['parameterType']));
    if (typeProblem !== undefined) return `Invalid query parameter ${text(object['name'])}: ${typeProblem}`;
  }
  return undefined;
}

function parameterTypeProblem(type: JsonObject | undefined): string | undefined {
  if (type === undefined || typeof type['type'] !== 'string') return 'parameterType.type is required';
  if (type['type'] === 'ARRAY') return parameterTypeProblem(asObject(type['arrayType']));
  if (type['type'] === 'STRUCT') {
    const fields = type['structTypes'];
    if (!Array.isArray(fields)) return 'structTypes is required';
    for (const field of fields) {
      const problem = parameterTypeProblem(asObject(asObject(field)?.['type']));
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/** Query-level problems the job fails with (DONE + errorResult invalidQuery). */
function queryProblem(query: JsonObject): ErrorProto | undefined {
  const sql = text(query['query']);
  const parameters = Array.isArray(query['queryParameters']) ? query['queryParameters'] : [];
  // The REST default is legacy SQL, which knows no query parameters.
  if (query['useLegacySql'] !== false && parameters.length > 0) {
    return {
      reason: 'invalidQuery',
      message: 'Query parameters cannot be used in legacy SQL queries.',
      location: 'query',
    };
  }
  if (/\bSYNTAX_ERROR\b/.test(sql)) {
    return {
      reason: 'invalidQuery',
      message: 'Syntax error: Unexpected identifier "SYNTAX_ERROR" at [1:1]',
      location: 'query',
    };
  }
  const names = new Set(parameters.map((parameter) => text(asObject(parameter)?.['name']).toLowerCase()));
  for (const match of stripStrings(sql).matchAll(/(?<!@)@([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (!names.has(match[1]!.toLowerCase())) {
      return {
        reason: 'invalidQuery',
        message: `Query parameter '${match[1]}' not found at [1:${(match.index ?? 0) + 1}]`,
        location: 'query',
      };
    }
  }
  return undefined;
}

/** Blanks out string literals and comments so that an `@` inside them is not read as a parameter. */
function stripStrings(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`|--[^\n]*/g, (text) =>
    ' '.repeat(text.length),
  );
}

function statementTypeOf(sql: string): string {
  const word = /^\s*(\w+)(?:\s+(\w+))?/.exec(stripStrings(sql))?.slice(1) ?? [];
  const first = (word[0] ?? '').toUpperCase();
  if (first === 'WITH' || first === 'SELECT') return 'SELECT';
  if (first === 'CREATE') return `CREATE_${(word[1] ?? 'TABLE').toUpperCase()}`;
  return first || 'SELECT';
}

function dryRunResource(project: string, location: string, query: JsonObject): JsonObject {
  const problem = queryProblem(query);
  return {
    kind: 'bigquery#job',
    configuration: { query: structuredClone(query), dryRun: true, jobType: 'QUERY' },
    jobReference: { projectId: project, location },
    statistics: {
      creationTime: String(Date.now()),
      totalBytesProcessed: '123456789',
      query: { totalBytesProcessed: '123456789', statementType: statementTypeOf(text(query['query'])) },
    },
    status:
      problem === undefined
        ? { state: 'DONE' }
        : { state: 'DONE', errorResult: { ...problem }, errors: [{ ...problem }] },
  };
}

// ---------------------------------------------------------------------------------------------- HTTP helpers

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): Json | undefined {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return raw;
  }
}

function sendJson(response: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** A Google API error body, as BigQuery sends it. */
export function sendError(
  response: ServerResponse,
  status: number,
  reason: string,
  message: string,
  innerMessage = message,
): void {
  sendJson(response, status, {
    error: {
      code: status,
      message,
      errors: [{ message: innerMessage, domain: 'global', reason }],
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
    },
  });
}

function defaultMessage(status: number): string {
  if (status === 503) return 'The service is currently unavailable.';
  if (status === 429)
    return 'Exceeded rate limits: too many api requests per user per method for this user_method.';
  if (status >= 500) return 'An internal error occurred and the request could not be completed.';
  return 'Error';
}

function asObject(value: Json | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function decode(value: string | undefined): string {
  return decodeURIComponent(value ?? '');
}

/** A JSON value as text: strings as they are, anything else as JSON. */
function text(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function etag(job: BackendJob): string {
  return createHash('md5').update(`${job.jobId}/${job.state}`).digest('base64');
}
