import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { BigQuery, JobMetadata } from '@google-cloud/bigquery';
import { apiFailure, isTransient } from './errors.js';

/** The variables through which the SDK's transport would route requests via an HTTP proxy. */
const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];

const HEADER_REUSE_MS = 30_000;

/** Whether requests must go through an HTTP proxy, which only the SDK's transport speaks. */
export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return PROXY_VARIABLES.some((name) => (env[name] ?? '') !== '');
}

export interface JobReadOptions {
  readonly jobId: string;
  readonly location: string | undefined;
  /** A partial-response selection (`fields`), e.g. only the status. */
  readonly fields: string | undefined;
  /** Retries of a transient failure (5xx, 429, rate limits, dropped connections), as the SDK's `maxRetries`. */
  readonly maxRetries: number;
  /** Each attempt's bound, and no retry starts once this much time has passed since the first. */
  readonly timeoutMs: number;
}

/** A non-2xx answer, shaped like the SDK's ApiError (`code`, `errors[].reason`) so that errors.ts reads it alike. */
class JobsApiError extends Error {
  constructor(
    readonly code: number,
    readonly errors: readonly { readonly reason?: unknown }[],
    message: string,
  ) {
    super(message);
    this.name = 'JobsApiError';
  }
}

/**
 * jobs.get for GetTask polls, sent over Node's own keep-alive HTTP client with the SDK client's endpoint, project
 * and credentials (`authClient.getRequestHeaders`, which caches the token and refreshes it before it expires).
 *
 * Why not through the SDK's request path: GetTask reads each running job about once a second, and that path
 * (teeny-request, node-fetch and a stream pipeline per request) was ~60 % of the service's CPU per GetTask and
 * most of the garbage that grew its heap in the 1,000-job benchmark. The request is the one the SDK sends for
 * `job.getMetadata({fields})`, retried on the same failures. Everything else — insert, cancel, results, and every
 * call when an HTTP proxy is configured, which this client does not speak — goes through the SDK.
 */
export class JobReader {
  readonly #http = process.getBuiltinModule('node:http');
  readonly #https = process.getBuiltinModule('node:https');
  readonly #agents: { readonly http: HttpAgent; readonly https: HttpAgent };
  /** Request headers per client, reused for a while: building them per poll cost ~20 µs of its ~700. */
  readonly #headerCache = new WeakMap<
    BigQuery,
    { readonly headers: Record<string, string>; readonly until: number }
  >();

  constructor(private readonly userAgent: string) {
    this.#agents = {
      http: new this.#http.Agent({ keepAlive: true, maxSockets: 64 }),
      https: new this.#https.Agent({ keepAlive: true, maxSockets: 64 }),
    };
  }

  async read(client: BigQuery, options: JobReadOptions): Promise<JobMetadata> {
    const url = new URL(
      `${client.baseUrl}/projects/${encodeURIComponent(client.projectId)}/jobs/${encodeURIComponent(options.jobId)}`,
    );
    if (options.location !== undefined) url.searchParams.set('location', options.location);
    if (options.fields !== undefined) url.searchParams.set('fields', options.fields);
    const deadline = Date.now() + options.timeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#get(url, await this.#headers(client, url), options.timeoutMs);
      } catch (error) {
        const failure = apiFailure(error);
        // Rejected credentials: the next read asks the auth library again rather than reusing these headers.
        if (failure.status === 401) this.#headerCache.delete(client);
        const backoffMs = Math.min(1_000, 100 * 2 ** attempt);
        const retry =
          attempt < options.maxRetries && Date.now() + backoffMs < deadline && isTransient(failure);
        if (!retry) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  /** Releases the kept-alive connections. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /**
   * The auth library caches the access token and refreshes it 5 minutes before it expires, so headers reused for
   * up to HEADER_REUSE_MS never carry an expired token.
   */
  async #headers(client: BigQuery, url: URL): Promise<Record<string, string>> {
    const cached = this.#headerCache.get(client);
    if (cached !== undefined && Date.now() < cached.until) return cached.headers;
    const headers = await this.#freshHeaders(client, url);
    this.#headerCache.set(client, { headers, until: Date.now() + HEADER_REUSE_MS });
    return headers;
  }

  async #freshHeaders(client: BigQuery, url: URL): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.userAgent,
      'x-goog-api-client': `gl-node/${process.versions.node}`,
    };
    try {
      (await client.authClient.getRequestHeaders(url)).forEach((value, name) => (headers[name] = value));
    } catch (error) {
      // As the SDK does: without any credentials the request goes out unauthenticated (an emulator or private
      // endpoint may not need them; BigQuery answers 401, reported as such).
      if (!(error instanceof Error && error.message.includes('Could not load the default credentials'))) {
        throw error;
      }
    }
    return headers;
  }

  #get(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<JobMetadata> {
    const secure = url.protocol === 'https:';
    const send = secure ? this.#https.request : this.#http.request;
    return new Promise<JobMetadata>((resolve, reject) => {
      const request = send(
        url,
        { method: 'GET', headers, agent: secure ? this.#agents.https : this.#agents.http },
        (response) => {
          readBody(response).then((text) => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(parseJob(text));
            else reject(apiError(status, text));
          }, reject);
        },
      );
      request.on('error', reject);
      // A silent connection is given up (and its socket freed) rather than left to the caller's deadline alone.
      request.setTimeout(timeoutMs, () =>
        request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      request.end();
    });
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function parseJob(text: string): JobMetadata {
  const job: unknown = JSON.parse(text);
  if (typeof job !== 'object' || job === null) throw new Error('BigQuery answered jobs.get without a job');
  return job;
}

/** The error of a Google API error body (`{"error": {"code", "message", "errors": [{"reason"}]}}`). */
function apiError(status: number, text: string): JobsApiError {
  let body: { error?: { message?: unknown; errors?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${status}`;
  const errors = Array.isArray(body?.error?.errors) ? (body.error.errors as { reason?: unknown }[]) : [];
  return new JobsApiError(status, errors, message);
}
