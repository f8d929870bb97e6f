import type { ServiceError } from '@grpc/grpc-js';
import { ConnectorError, type ErrorKind } from '../errors.js';
import { errorKindOfStatus } from '../grpc/status.js';

/** A call to a connector service failed with a gRPC status (the kind mirrors the status code). */
export class ConnectorCallError extends ConnectorError {
  readonly kind: ErrorKind;
  constructor(
    readonly code: number,
    details: string,
    options?: { cause?: unknown },
  ) {
    super(details, options);
    this.kind = errorKindOfStatus(code);
  }

  static fromServiceError(error: ServiceError): ConnectorCallError {
    return new ConnectorCallError(error.code, error.details || error.message, { cause: error });
  }
}
