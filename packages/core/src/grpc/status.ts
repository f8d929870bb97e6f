import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ConnectorError, type ErrorKind } from '../errors.js';

/** The one place where error kinds become gRPC status codes. */
const STATUS_BY_KIND: Readonly<Record<ErrorKind, status>> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  CANCELLED: status.CANCELLED,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  INTERNAL: status.INTERNAL,
};

export function grpcStatusOf(kind: ErrorKind): status {
  return STATUS_BY_KIND[kind];
}

const KIND_BY_STATUS = new Map<number, ErrorKind>(
  Object.entries(STATUS_BY_KIND).map(([kind, code]) => [code, kind as ErrorKind]),
);

/** The error kind a client should see for a gRPC status it received (UNKNOWN and the rest count as INTERNAL). */
export function errorKindOfStatus(code: number): ErrorKind {
  return KIND_BY_STATUS.get(code) ?? 'INTERNAL';
}

/**
 * Converts any error into a gRPC error for the caller. Errors that are not ConnectorErrors never reach here from
 * the dispatcher; anything else (a bug in an adapter) becomes INTERNAL without its stack.
 */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (ConnectorError.is(error)) {
    return {
      code: STATUS_BY_KIND[error.kind],
      details: boundedDetails(error.message),
      metadata: new Metadata(),
    };
  }
  return {
    code: status.INTERNAL,
    details: boundedDetails(
      `Unexpected service failure: ${error instanceof Error ? error.message : String(error)}`,
    ),
    metadata: new Metadata(),
  };
}

/**
 * Messages often quote the caller's input (an unknown connector name, a task type). The details travel in the
 * grpc-message trailer, percent-encoded: one that outgrows the client's header limit (e.g. a 64 KiB name) makes
 * a grpc-js client fail the whole HTTP/2 connection, and with it every other call in flight on it.
 */
const MAX_DETAILS = 2_000;

function boundedDetails(message: string): string {
  return message.length <= MAX_DETAILS ? message : `${message.slice(0, MAX_DETAILS)}…`;
}
