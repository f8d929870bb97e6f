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
import { STATUS_CODE, type TStatus } from './thrift-types.js';

const MAX_MESSAGE = 400;

/** A non-success `TStatus` in a Thrift answer: the warehouse refused the call. */
export class WarehouseStatusError extends Error {
  override readonly name = 'WarehouseStatusError';
  constructor(
    readonly status: TStatus,
    action: string,
  ) {
    super(`${action}: ${statusText(status)}`);
  }

  /** The handle named in the call is not (or no longer) known: closed, expired, or from a restarted warehouse. */
  get invalidHandle(): boolean {
    return (
      this.status.statusCode === STATUS_CODE.INVALID_HANDLE ||
      /invalid (operation|session)\s?handle|(operation|session|statement).{0,40}(not found|does not exist|expired|closed)/i.test(
        this.status.errorMessage ?? '',
      )
    );
  }
}

/** Throws when a Thrift answer's status is an error. */
export function assertStatus(status: TStatus | undefined, action: string): void {
  if (status === undefined) throw new InternalError(`${action}: the answer carries no status`);
  if (status.statusCode === STATUS_CODE.ERROR || status.statusCode === STATUS_CODE.INVALID_HANDLE)
    throw new WarehouseStatusError(status, action);
}

export function statusText(status: TStatus): string {
  const state = status.sqlState ? ` [${status.sqlState}]` : '';
  const text = (status.displayMessage || status.errorMessage || 'no error message').trim();
  return `${text.replace(/\s+/g, ' ').slice(0, MAX_MESSAGE)}${state}`;
}

/** The connector's own bound of a driver call (the driver keeps going in the background). */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

export function withDeadline<T>(work: Promise<T>, milliseconds: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => undefined);
      reject(new DeadlineError(`${what}: no answer from the warehouse within ${milliseconds} ms`));
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

/** The facts of a failed driver call, with the driver's request objects left behind. */
export interface SqlFailure {
  readonly message: string;
  /** HTTP status when the warehouse answered with a non-200. */
  readonly httpStatus: number | undefined;
  /** Nothing usable came back (network, timeout, 429, 5xx): worth polling through. */
  readonly transient: boolean;
}

const NETWORK_TEXT =
  /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|timed out|timeout|premature close|Max retry count exceeded|Retry timeout exceeded/i;

export function sqlFailure(error: unknown): SqlFailure {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = typeof record['message'] === 'string' ? record['message'] : String(error);
  const message = text.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
  // THTTPException (the driver's error for a non-200 answer) carries the status.
  const httpStatus = typeof record['statusCode'] === 'number' ? record['statusCode'] : undefined;
  let transient: boolean;
  if (error instanceof DeadlineError) transient = true;
  else if (error instanceof WarehouseStatusError) transient = false;
  else if (httpStatus !== undefined) transient = httpStatus === 429 || httpStatus >= 500;
  else transient = NETWORK_TEXT.test(message) || record['type'] === 'system';
  return { message, httpStatus, transient };
}

/** Core's error for a failed driver call; the cause kept for logs holds the facts only. */
export function toConnectorError(error: unknown, action: string): unknown {
  if (ConnectorError.is(error)) return error;
  const failure = sqlFailure(error);
  const text = error instanceof WarehouseStatusError ? error.message : `${action}: ${failure.message}`;
  const cause = new Error(failure.message);
  if (failure.transient) return new BackendUnavailableError(text, { cause });
  switch (failure.httpStatus) {
    case 401:
      return new UnauthenticatedError(text, { cause });
    case 403:
      return new PermissionDeniedError(text, { cause });
    case 404:
      return new NotFoundError(`${text} (is the HTTP path of the warehouse right?)`, { cause });
    case 429:
      return new ResourceExhaustedError(text, { cause });
    default:
      break;
  }
  // The warehouse refused the request itself (a statement it cannot accept, an unknown catalog...).
  if (error instanceof WarehouseStatusError) return new InvalidArgumentError(text, { cause });
  return new InternalError(text, { cause });
}

export function isAuthFailure(failure: SqlFailure): boolean {
  return failure.httpStatus === 401 || failure.httpStatus === 403;
}
