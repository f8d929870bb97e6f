import {
  AlreadyExistsError,
  BackendUnavailableError,
  ConnectorError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from '@org/connector-core';

/**
 * What matters about a failure of the BigQuery SDK or the auth library, with the noisy parts (HTTP response
 * objects, request options carrying headers) left behind: these facts are all that reach messages and logs.
 */
export interface ApiFailure {
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The first `errors[].reason` of a Google API error body (`notFound`, `duplicate`, `rateLimitExceeded`...). */
  readonly reason: string | undefined;
  readonly message: string;
  /** The request never got an answer: refused, reset, timed out, DNS failure. */
  readonly network: boolean;
  /** The failure came from the OAuth token endpoint (an `error` field such as `invalid_grant`). */
  readonly tokenError: string | undefined;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const NETWORK_TEXT =
  /socket hang up|network timeout|request timeout|ECONNRESET|ECONNREFUSED|ETIMEDOUT|fetch failed|aborted/i;
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);
const MAX_MESSAGE = 400;

/** Extracts the facts of an SDK failure (ApiError, node-fetch FetchError, GaxiosError, plain errors). */
export function apiFailure(error: unknown): ApiFailure {
  const record = asRecord(error);
  const status = numberField(record, 'code') ?? numberField(record, 'status') ?? responseStatus(record);
  const errors = record?.['errors'];
  const firstReason = Array.isArray(errors) ? asRecord(errors[0])?.['reason'] : undefined;
  const tokenBody = asRecord(asRecord(record?.['response'])?.['data']);
  const tokenError = typeof tokenBody?.['error'] === 'string' ? tokenBody['error'] : undefined;
  const tokenDescription =
    typeof tokenBody?.['error_description'] === 'string' ? tokenBody['error_description'] : undefined;
  const message =
    tokenError === undefined
      ? messageOf(error)
      : `${tokenError}${tokenDescription === undefined ? '' : `: ${tokenDescription}`}`;
  return {
    status,
    reason: typeof firstReason === 'string' ? firstReason : undefined,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
    network: status === undefined && isNetworkFailure(error),
    tokenError,
  };
}

/** Whether the failure is worth another try later (the backend, not the request, is the problem). */
export function isTransient(failure: ApiFailure): boolean {
  if (failure.network) return true;
  if (failure.status === undefined) return false;
  return (
    failure.status === 408 ||
    failure.status === 429 ||
    failure.status >= 500 ||
    (failure.status === 403 && failure.reason !== undefined && RATE_LIMIT_REASONS.has(failure.reason))
  );
}

/**
 * Turns an SDK failure into core's error taxonomy. The cause kept for logs is a plain error with the facts
 * only, never the SDK's error (whose `response` holds sockets and request headers).
 */
export function toConnectorError(error: unknown, action: string): ConnectorError {
  if (ConnectorError.is(error)) return error;
  const failure = apiFailure(error);
  const cause = new Error(describe(failure));
  const text = `${action}: ${describe(failure)}`;
  if (failure.tokenError !== undefined) {
    return new UnauthenticatedError(
      `${action}: the OAuth token endpoint rejected the service-account credentials (${failure.message}).`,
      { cause },
    );
  }
  if (failure.network)
    return new BackendUnavailableError(`${text} (BigQuery could not be reached)`, { cause });
  const rateLimited =
    failure.status === 429 || (failure.reason !== undefined && RATE_LIMIT_REASONS.has(failure.reason));
  if (rateLimited) return new ResourceExhaustedError(text, { cause });
  switch (failure.status) {
    case 400:
      return new InvalidArgumentError(text, { cause });
    case 401:
      return new UnauthenticatedError(text, { cause });
    case 403:
      return new PermissionDeniedError(text, { cause });
    case 404:
      return new NotFoundError(text, { cause });
    case 409:
      return new AlreadyExistsError(text, { cause });
    default:
      if (isTransient(failure)) return new BackendUnavailableError(text, { cause });
      if (/Could not load the default credentials/i.test(failure.message)) {
        return new UnauthenticatedError(
          `${action}: no credentials: set the google_application_credentials secret or configure Application Default Credentials.`,
          { cause },
        );
      }
      return new InternalError(text, { cause });
  }
}

/** `HTTP 404 notFound: Not found: Job ...` */
export function describe(failure: ApiFailure): string {
  const head = [failure.status === undefined ? undefined : `HTTP ${failure.status}`, failure.reason].filter(
    (part) => part !== undefined,
  );
  return head.length === 0 ? failure.message : `${head.join(' ')}: ${failure.message}`;
}

function isNetworkFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    const record = asRecord(current);
    if (record === undefined) return false;
    const code = record['code'];
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    const type = record['type'];
    if (type === 'request-timeout' || type === 'system') return true;
    const name = record['name'];
    if (name === 'AbortError' || name === 'TimeoutError') return true;
    if (typeof record['message'] === 'string' && NETWORK_TEXT.test(record['message'])) return true;
    current = record['cause'];
  }
  return false;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s+/g, ' ').trim() || error.name;
  return String(error);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function numberField(record: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = record?.[key];
  return typeof value === 'number' && value >= 100 && value < 600 ? value : undefined;
}

function responseStatus(record: Record<string, unknown> | undefined): number | undefined {
  return (
    numberField(asRecord(record?.['response']), 'status') ??
    numberField(asRecord(record?.['response']), 'statusCode')
  );
}
