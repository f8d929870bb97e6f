import {
  BackendUnavailableError,
  ConnectorError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from '@org/connector-core';

/** The facts of an OpenAI SDK failure, without its headers or request options. */
export interface ApiFailure {
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** OpenAI's error code (`rate_limit_exceeded`, `invalid_api_key`...), when the body had one. */
  readonly code: string | undefined;
  readonly message: string;
  /** No answer: refused, reset, timed out, or aborted by the connector's own request timeout. */
  readonly network: boolean;
}

const MAX_MESSAGE = 400;

/** Reads an SDK error (APIError and subclasses, connection errors, aborts) by shape, not by class. */
export function apiFailure(error: unknown): ApiFailure {
  const record = asRecord(error);
  const status = typeof record?.['status'] === 'number' ? record['status'] : undefined;
  const code = typeof record?.['code'] === 'string' ? record['code'] : undefined;
  // The SDK's error classes do not all set `name` (an abort reads "Error"), so the class name is checked too.
  const className = (asRecord(error)?.['constructor'] as { name?: unknown } | undefined)?.name;
  const name =
    typeof record?.['name'] === 'string' && record['name'] !== 'Error'
      ? record['name']
      : typeof className === 'string'
        ? className
        : '';
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  const network =
    status === undefined &&
    (name === 'APIConnectionError' ||
      name === 'APIConnectionTimeoutError' ||
      name === 'APIUserAbortError' ||
      name === 'AbortError' ||
      name === 'TimeoutError');
  return { status, code, message: message.slice(0, MAX_MESSAGE) || name, network };
}

export function isTransient(failure: ApiFailure): boolean {
  if (failure.network) return true;
  const status = failure.status;
  return status === 408 || status === 409 || status === 429 || (status !== undefined && status >= 500);
}

/**
 * Core's error for an SDK failure. The cause kept for logs is a plain error with the facts only, never the SDK's
 * error (whose headers and request options are noise at best).
 */
export function toConnectorError(error: unknown, action: string): ConnectorError {
  if (ConnectorError.is(error)) return error;
  const failure = apiFailure(error);
  const cause = new Error(failure.message);
  const text = `${action}: ${failure.message}`;
  if (failure.network) return new BackendUnavailableError(`${text} (OpenAI could not be reached)`, { cause });
  switch (failure.status) {
    case 400:
    case 422:
      return new InvalidArgumentError(text, { cause });
    case 401:
      return new UnauthenticatedError(text, { cause });
    case 403:
      return new PermissionDeniedError(text, { cause });
    case 404:
      return new NotFoundError(text, { cause });
    case 429:
      return new ResourceExhaustedError(text, { cause });
    default:
      if (isTransient(failure)) return new BackendUnavailableError(text, { cause });
      return new InternalError(text, { cause });
  }
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
