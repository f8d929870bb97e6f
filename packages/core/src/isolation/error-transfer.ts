import {
  AlreadyExistsError,
  BackendUnavailableError,
  CancelledError,
  ConnectorError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnimplementedError,
  type ConnectorErrorOptions,
  type ErrorKind,
} from '../errors.js';

/** A thrown value in a form that survives `postMessage` (structured clone drops an error's class and kind). */
export type TransferredError =
  | {
      /** Set for core's typed errors: the kind the gRPC status is mapped from. */
      readonly kind: ErrorKind | undefined;
      /** The class name (`InvalidArgumentError`, `TypeError`, a vendor SDK's error class...). */
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      /** Own primitive properties (`parameter`, `status`...), for logs. */
      readonly fields: Readonly<Record<string, string | number | boolean>>;
      /** The cause's class and message, for logs. */
      readonly cause: { readonly name: string; readonly message: string } | undefined;
    }
  | {
      /** A thrown non-error value (`throw 'text'`), passed as it was. */
      readonly thrown: string | number | boolean | null | undefined;
    };

const CLASS_BY_KIND: Readonly<
  Record<ErrorKind, new (message: string, options?: ConnectorErrorOptions) => ConnectorError>
> = {
  INVALID_ARGUMENT: InvalidArgumentError,
  NOT_FOUND: NotFoundError,
  ALREADY_EXISTS: AlreadyExistsError,
  FAILED_PRECONDITION: FailedPreconditionError,
  PERMISSION_DENIED: PermissionDeniedError,
  UNAUTHENTICATED: UnauthenticatedError,
  RESOURCE_EXHAUSTED: ResourceExhaustedError,
  UNAVAILABLE: BackendUnavailableError,
  DEADLINE_EXCEEDED: DeadlineExceededError,
  CANCELLED: CancelledError,
  UNIMPLEMENTED: UnimplementedError,
  INTERNAL: InternalError,
};

const STANDARD_PROPERTIES = new Set(['name', 'message', 'stack', 'cause', 'kind']);

/** Prepares a thrown value for the other thread. */
export function toTransferredError(error: unknown): TransferredError {
  if (!(error instanceof Error) && !ConnectorError.is(error)) {
    return {
      thrown:
        error === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof error)
          ? (error as string | number | boolean | null | undefined)
          : describeThrown(error),
    };
  }
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (STANDARD_PROPERTIES.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[key] = value;
  }
  const cause = (error as { cause?: unknown }).cause;
  return {
    kind: ConnectorError.is(error) ? error.kind : undefined,
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
    cause:
      cause === undefined
        ? undefined
        : cause instanceof Error
          ? { name: cause.name, message: cause.message }
          : { name: typeof cause, message: describeThrown(cause) },
  };
}

/**
 * Rebuilds a thrown value on this thread. Core's typed errors come back as core's class of the same kind (so the
 * single error-to-status mapping applies unchanged) with the original class name, message, stack and fields.
 */
export function fromTransferredError(transferred: TransferredError): unknown {
  if ('thrown' in transferred) return transferred.thrown;
  const cause =
    transferred.cause === undefined
      ? undefined
      : Object.assign(new Error(transferred.cause.message), { name: transferred.cause.name });
  const options = cause === undefined ? undefined : { cause };
  const error =
    transferred.kind === undefined
      ? new Error(transferred.message, options)
      : new CLASS_BY_KIND[transferred.kind](transferred.message, options);
  Object.assign(error, transferred.fields);
  error.name = transferred.name;
  if (transferred.stack !== undefined) error.stack = transferred.stack;
  return error;
}

/** A thrown value that is not an Error, as text: what `String()` gives, as the dispatcher shows it in-process. */
export function describeThrown(value: unknown): string {
  return String(value);
}
