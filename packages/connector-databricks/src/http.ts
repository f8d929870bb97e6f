import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';

const packageVersion = (
  createRequire(import.meta.url)('@org/connector-databricks/package.json') as { version: string }
).version;

/** What one Jobs API call needs besides its path. */
export interface CallOptions {
  /** `https://host[:port]`. */
  readonly base: string;
  readonly token: string;
  /** The caller's deadline (ctx.signal). */
  readonly signal: AbortSignal;
  /** Bound of the whole call, retries included. */
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

/** A Databricks answer that is not 2xx, or no answer at all. */
export class DatabricksHttpError extends Error {
  override readonly name = 'DatabricksHttpError';
  /** The server's Retry-After, in milliseconds, when it sent one. */
  retryAfterMs: number | undefined;
  constructor(
    message: string,
    /** HTTP status; undefined when nothing came back (refused, reset, timed out). */
    readonly status: number | undefined,
    /** Databricks' `error_code` (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE...), when the body had one. */
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }

  /** Worth retrying and, on GetTask, worth polling through. */
  get transient(): boolean {
    const s = this.status;
    return s === undefined || s === 408 || s === 429 || s >= 500;
  }
}

const MAX_MESSAGE = 400;
const MAX_BODY = 8 * 1024 * 1024;
const BASE_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 2_000;

/**
 * One keep-alive HTTP client for every Jobs API call of the connector (node:http/https agents, so connections to a
 * workspace are reused across GetTask polls). The retry loop is hand-written rather than a library: the package
 * takes no runtime dependencies, and the loop must be bounded by the caller's deadline (ctx.signal) and the
 * connector's own per-call budget, honour Retry-After, and never sleep past either — a few lines do that exactly.
 */
export class JobsHttpClient {
  // Not static imports: importing node:http as an ES module evaluates its lazy exports, which loads Node's bundled
  // undici (+10 MB RSS in every flyte-connect process that discovers this package, used or not).
  private readonly http = process.getBuiltinModule('node:http');
  private readonly https = process.getBuiltinModule('node:https');
  private readonly httpAgent = new this.http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new this.https.Agent({ keepAlive: true, maxSockets: 64 });

  /** Calls the API; retries 429, 5xx and dropped connections with backoff while the budget lasts. */
  async call(method: 'GET' | 'POST', path: string, body: unknown, options: CallOptions): Promise<unknown> {
    const budget = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
    const deadline = Date.now() + options.timeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      let failure: DatabricksHttpError;
      try {
        return await this.once(method, path, body, options, budget);
      } catch (error) {
        if (!(error instanceof DatabricksHttpError)) throw error;
        failure = error;
      }
      if (options.signal.aborted) throw abortReason(options.signal);
      if (!failure.transient || attempt >= options.maxRetries || budget.aborted) throw failure;
      const wait = failure.retryAfterMs ?? backoff(attempt);
      // Never sleep past the budget: a wait that cannot end in time fails now with the backend's answer.
      if (Date.now() + wait >= deadline) throw failure;
      await sleep(wait, options.signal);
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private once(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    options: CallOptions,
    signal: AbortSignal,
  ): Promise<unknown> {
    const url = new URL(path, options.base);
    const secure = url.protocol === 'https:';
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
      'user-agent': `flyte-connector-databricks/${packageVersion}`,
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise<unknown>((resolve, reject) => {
      if (signal.aborted) {
        reject(noAnswer(`${method} ${url.pathname}: ${reasonText(signal)}`));
        return;
      }
      const send = secure ? this.https.request : this.http.request;
      const request = send(url, {
        method,
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal,
      });
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) request.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        response.on('error', (error) => reject(noAnswer(`${method} ${url.pathname}: ${error.message}`)));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve(text === '' ? {} : (JSON.parse(text) as unknown));
            } catch {
              reject(
                new DatabricksHttpError(`${method} ${url.pathname}: answer is not JSON`, 502, undefined),
              );
            }
            return;
          }
          reject(httpFailure(method, url.pathname, status, text, response.headers['retry-after']));
        });
      });
      request.on('error', (error: Error) => {
        const why = signal.aborted ? reasonText(signal) : error.message;
        reject(noAnswer(`${method} ${url.pathname}: ${why}`));
      });
      request.end(payload);
    });
  }
}

function httpFailure(
  method: string,
  path: string,
  status: number,
  text: string,
  retryAfter: string | undefined,
): DatabricksHttpError {
  let code: string | undefined;
  let message = text.replace(/\s+/g, ' ').trim();
  try {
    const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof parsed.error_code === 'string') code = parsed.error_code;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: a proxy's or load balancer's page; keep its text
  }
  const described = `${method} ${path} answered ${status}${code === undefined ? '' : ` ${code}`}: ${message || 'no message'}`;
  const error = new DatabricksHttpError(described.slice(0, MAX_MESSAGE), status, code);
  const wait = retryAfterMs(retryAfter);
  if (wait !== undefined) error.retryAfterMs = wait;
  return error;
}

function noAnswer(message: string): DatabricksHttpError {
  return new DatabricksHttpError(
    `${message} (Databricks could not be reached)`.slice(0, MAX_MESSAGE),
    undefined,
    undefined,
  );
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function reasonText(signal: AbortSignal): string {
  const reason = signal.reason as { name?: string; message?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? 'no answer within the request timeout'
    : (reason?.message ?? 'aborted');
}
