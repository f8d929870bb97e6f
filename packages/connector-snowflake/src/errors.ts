import {
  BackendUnavailableError,
  ConnectorError,
  InternalError,
  InvalidArgumentError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from '@org/connector-core';

const MAX_MESSAGE = 400;

/**
 * The facts of a snowflake-sdk failure (NetworkError, RequestFailedError, OperationFailedError, ClientError) or of
 * the connector's own deadline, with the driver's request objects left behind.
 */
export interface DriverFailure {
  /** The driver's error class name. */
  readonly kind: string;
  /** Snowflake's error code (e.g. `002003`, `390144`) or the driver's numeric code, as text. */
  readonly code: string | undefined;
  /** HTTP status when the server answered with a non-200. */
  readonly status: number | undefined;
  readonly message: string;
  /** Nothing came back, or a 5xx / 429 / 408: worth polling through. */
  readonly transient: boolean;
}

/** The connector's bound of a driver call (the driver keeps going in the background). */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

export function withDeadline<T>(work: Promise<T>, milliseconds: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => undefined);
      reject(new DeadlineError(`${what}: no answer from Snowflake within ${milliseconds} ms`));
    }, milliseconds);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

const NETWORK_TEXT = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|timeout|network/i;

export function driverFailure(error: unknown): DriverFailure {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const kind = typeof record['name'] === 'string' ? record['name'] : 'Error';
  const rawCode = record['code'];
  const code = typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : undefined;
  const response = record['response'] as { statusCode?: unknown; status?: unknown } | undefined;
  const statusValue = response?.statusCode ?? response?.status;
  const status = typeof statusValue === 'number' ? statusValue : undefined;
  const text = typeof record['message'] === 'string' ? record['message'] : String(error);
  const message = text.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
  let transient = false;
  if (error instanceof DeadlineError || kind === 'NetworkError') transient = true;
  else if (kind === 'RequestFailedError')
    transient = status === undefined || status === 408 || status === 429 || status >= 500;
  else if (kind === 'Error' && NETWORK_TEXT.test(message)) transient = true;
  return { kind, code, status, message, transient };
}

/** Snowflake's answers for a login that was refused (JWT invalid, user unknown or disabled...). */
function isAuthFailure(failure: DriverFailure): boolean {
  return (
    failure.status === 401 ||
    (failure.kind === 'OperationFailedError' && failure.code !== undefined && /^390\d{3}$/.test(failure.code))
  );
}

export function describe(failure: DriverFailure): string {
  const code = failure.code === undefined ? '' : ` ${failure.code}`;
  return `${failure.kind}${code}: ${failure.message}`;
}

/** Core's error for a failed driver call; the cause kept for logs holds the facts only. */
export function toConnectorError(error: unknown, action: string): unknown {
  if (ConnectorError.is(error)) return error;
  const failure = driverFailure(error);
  const text = `${action}: ${describe(failure)}`;
  const cause = new Error(describe(failure));
  if (failure.transient) return new BackendUnavailableError(text, { cause });
  if (isAuthFailure(failure)) return new UnauthenticatedError(text, { cause });
  if (failure.status === 403) return new PermissionDeniedError(text, { cause });
  if (failure.status === 429) return new ResourceExhaustedError(text, { cause });
  // A statement Snowflake refused (syntax, unknown object, privileges) or options the driver refused.
  if (failure.kind === 'OperationFailedError' || failure.kind === 'ClientError')
    return new InvalidArgumentError(text, { cause });
  return new InternalError(text, { cause });
}

export { isAuthFailure };
