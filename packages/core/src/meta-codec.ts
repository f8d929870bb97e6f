import type { JsonValue } from '@bufbuild/protobuf';
import { InvalidResourceMetaError } from './errors.js';

/**
 * Turns a connector's resource metadata into JSON and back. Decoding validates: resource_meta comes back from the
 * caller, so a wrong shape is a caller mistake (INVALID_ARGUMENT), not a crash. Metadata must never hold secrets:
 * Flyte persists it in its own state store.
 */
export interface ResourceMetaCodec<M> {
  /** The metadata as JSON (core wraps it in a versioned envelope). */
  toJson(meta: M): JsonValue;
  /** Throws (any error) when the value does not have the expected shape. */
  fromJson(value: JsonValue): M;
}

/** The subset of the Standard Schema interface (zod, valibot, arktype...) a codec needs. */
export interface StandardSchemaLike<M> {
  /** The Standard Schema interface (https://standardschema.dev) the schema library implements. */
  readonly '~standard': {
    /** Checks a value: the value when valid, else its issues (asynchronous schemas are refused). */
    readonly validate: (value: unknown) =>
      | {
          /** The validated value. */
          readonly value: M;
          /** Absent on success. */
          readonly issues?: undefined;
        }
      | {
          /** What is wrong with the value. */
          readonly issues: readonly {
            /** The problem. */
            readonly message: string;
            /** Where in the value, as property keys and indexes. */
            readonly path?: readonly unknown[];
          }[];
        }
      | Promise<unknown>;
  };
}

/**
 * A JSON codec whose decoding is checked by a Standard Schema (e.g. a zod object) or a parse function that throws
 * on a wrong shape.
 */
export function jsonMetaCodec<M>(
  schema: StandardSchemaLike<M> | ((value: unknown) => M),
): ResourceMetaCodec<M> {
  const parse =
    typeof schema === 'function'
      ? schema
      : (value: unknown): M => {
          const result = schema['~standard'].validate(value);
          if (result instanceof Promise) throw new Error('asynchronous schemas are not supported');
          if (result.issues !== undefined) {
            throw new Error(
              result.issues
                .map(
                  (issue) =>
                    `${issue.path?.map(pathSegment).join('.') ?? ''}${issue.path?.length ? ': ' : ''}${issue.message}`,
                )
                .join('; '),
            );
          }
          return result.value;
        };
  return {
    toJson: (meta) => meta as JsonValue,
    fromJson: (value) => {
      try {
        return parse(value);
      } catch (error) {
        throw new InvalidResourceMetaError(error instanceof Error ? error.message : 'unexpected shape', {
          cause: error,
        });
      }
    },
  };
}

function pathSegment(segment: unknown): string {
  if (typeof segment === 'object' && segment !== null && 'key' in segment) return String(segment.key);
  return String(segment);
}
