/**
 * The error taxonomy of the connector service. Connectors throw these; only the transport layer
 * (`grpc/status.ts`) turns them into gRPC status codes, so every code decision lives in one place.
 */

const connectorErrorBrand = Symbol.for('@org/connector-core/ConnectorError');

/** The kinds of failure a connector call can end with. Each maps to exactly one gRPC status code. */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'CANCELLED'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

/** Options of every {@link ConnectorError} constructor. */
export interface ConnectorErrorOptions {
  /** The underlying error; kept for logs, never sent to the caller. */
  readonly cause?: unknown;
}

/**
 * Base class of every error core understands. Identified by a brand rather than `instanceof`, so that an error
 * thrown by a connector compiled against another copy of core is still recognised.
 */
export abstract class ConnectorError extends Error {
  /** What went wrong, as the transport layer maps it to a status code. */
  abstract readonly kind: ErrorKind;
  /** The brand {@link ConnectorError.is} checks: marks a core error across copies of core. */
  readonly [connectorErrorBrand] = true;

  /**
   * @param message - Shown to the caller: must be safe to show (no secret, no stack).
   * @param options - The underlying cause, kept for logs.
   */
  constructor(message: string, options?: ConnectorErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** Whether `value` is a core error, from this or any other copy of core (checked by brand, not `instanceof`). */
  static is(value: unknown): value is ConnectorError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[connectorErrorBrand] === true &&
      typeof (value as { kind?: unknown }).kind === 'string'
    );
  }
}

/** The caller sent something wrong: a malformed parameter, input, template or resource_meta. */
export class InvalidArgumentError extends ConnectorError {
  readonly kind = 'INVALID_ARGUMENT';
}

/** A required connector parameter has no value from any of its sources. */
export class MissingParameterError extends InvalidArgumentError {
  /**
   * @param parameter - The parameter's name in the connector spec.
   * @param sources - Where it was looked for, as `flyte-connect list` describes sources.
   */
  constructor(
    /** The parameter's name in the connector spec. */
    readonly parameter: string,
    sources: readonly string[],
  ) {
    super(`Missing required parameter '${parameter}' (looked in: ${sources.join(', ') || 'nowhere'}).`);
  }
}

/** A parameter has a value of the wrong shape. The message names the parameter, never its value. */
export class InvalidParameterError extends InvalidArgumentError {
  /**
   * @param parameter - The parameter's name in the connector spec.
   * @param problem - What is wrong, never containing the value.
   */
  constructor(
    /** The parameter's name in the connector spec. */
    readonly parameter: string,
    problem: string,
  ) {
    super(`Invalid parameter '${parameter}': ${problem}.`);
  }
}

/** The resource_meta bytes could not be decoded into the connector's metadata. */
export class InvalidResourceMetaError extends InvalidArgumentError {
  /**
   * @param problem - What is wrong with the metadata.
   * @param options - The decoding error, kept for logs.
   */
  constructor(problem: string, options?: ConnectorErrorOptions) {
    super(`Invalid resource_meta: ${problem}.`, options);
  }
}

/** The external job or object the call refers to does not exist. */
export class NotFoundError extends ConnectorError {
  readonly kind = 'NOT_FOUND';
}

/** No connector is registered for the requested task category. */
export class ConnectorNotFoundError extends NotFoundError {
  /**
   * @param taskType - The requested task type.
   * @param version - The requested task type version.
   * @param available - The registered task categories, listed in the message.
   */
  constructor(
    /** The requested task type (`template.type`). */
    readonly taskType: string,
    /** The requested task type version. */
    readonly version: number,
    available: readonly string[],
  ) {
    super(
      `Cannot find connector for task type: ${taskType}` +
        (version === 0 ? '' : ` (version ${version})`) +
        `. Available: ${available.length === 0 ? 'none' : available.join(', ')}.`,
    );
  }
}

/** What the call would create exists already (and is not the caller's to re-attach to). */
export class AlreadyExistsError extends ConnectorError {
  readonly kind = 'ALREADY_EXISTS';
}

/** The request is well-formed but the system is not in a state to perform it. */
export class FailedPreconditionError extends ConnectorError {
  readonly kind = 'FAILED_PRECONDITION';
}

/** The credentials are valid but not allowed to do this (the vendor answered 403). */
export class PermissionDeniedError extends ConnectorError {
  readonly kind = 'PERMISSION_DENIED';
}

/** The credentials are missing, invalid or expired (the vendor answered 401). */
export class UnauthenticatedError extends ConnectorError {
  readonly kind = 'UNAUTHENTICATED';
}

/** A quota or limit was hit (for example the vendor answered 429 and retries ran out). */
export class ResourceExhaustedError extends ConnectorError {
  readonly kind = 'RESOURCE_EXHAUSTED';
}

/** The vendor backend could not be reached or answered with a transient failure. */
export class BackendUnavailableError extends ConnectorError {
  readonly kind = 'UNAVAILABLE';
}

/** The caller's deadline passed before the call finished. */
export class DeadlineExceededError extends ConnectorError {
  readonly kind = 'DEADLINE_EXCEEDED';
}

/** The caller cancelled the call, or the service is shutting down. */
export class CancelledError extends ConnectorError {
  readonly kind = 'CANCELLED';
}

/** The connector does not implement the requested operation (metrics, logs). */
export class UnimplementedError extends ConnectorError {
  readonly kind = 'UNIMPLEMENTED';
}

/** A bug or unexpected state. The message must be safe to show: no stack, no secret. */
export class InternalError extends ConnectorError {
  readonly kind = 'INTERNAL';
}
