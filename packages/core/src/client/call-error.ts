import type { ServiceError } from '@grpc/grpc-js';
import { ConnectorError, type ErrorKind } from '../errors.js';
import { errorKindOfStatus } from '../grpc/status.js';

/** A call to a connector service failed with a gRPC status (the kind mirrors the status code). */
export class ConnectorCallError extends ConnectorError {
  readonly kind: ErrorKind;
  /**
   * @param code - The gRPC status code the service answered.
   * @param details - The status details (the service's error message).
   * @param options - The underlying error, kept for logs.
   */
  constructor(
    /** The gRPC status code the service answered. */
    readonly code: number,
    details: string,
    options?: { cause?: unknown },
  ) {
    super(details, options);
    this.kind = errorKindOfStatus(code);
  }

  /** The error for a failed `@grpc/grpc-js` call. */
  static fromServiceError(error: ServiceError): ConnectorCallError {
    return new ConnectorCallError(error.code, error.details || error.message, { cause: error });
  }
}
