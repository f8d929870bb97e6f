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
import { DatabricksHttpError } from './http.js';

/** Core's error for a failed Jobs API call; the cause kept for logs holds the facts only. */
export function toConnectorError(error: unknown, action: string): unknown {
  if (ConnectorError.is(error) || !(error instanceof DatabricksHttpError)) return error;
  const cause = new Error(error.message);
  const text = `${action}: ${error.message}`;
  if (error.status === undefined) return new BackendUnavailableError(text, { cause });
  switch (error.status) {
    case 400:
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
      if (error.transient) return new BackendUnavailableError(text, { cause });
      return new InternalError(text, { cause });
  }
}

/** Databricks' answers for a run id it does not know (runs/get and runs/cancel). */
export function isUnknownRun(error: unknown): boolean {
  if (!(error instanceof DatabricksHttpError)) return false;
  if (error.status === 404) return true;
  return (
    error.status === 400 &&
    (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' ||
      (error.errorCode === 'INVALID_PARAMETER_VALUE' && /does not exist|not found/i.test(error.message)))
  );
}
