/**
 * The JS values connectors see in place of Flyte literals.
 *
 * Conversion is driven by the variable's declared `LiteralType`, never by guessing from the JS value:
 *
 * | Declared type               | Input value (what a connector receives)        | Output value (what it may return)                          |
 * | --------------------------- | ---------------------------------------------- | ---------------------------------------------------------- |
 * | `INTEGER`                   | `bigint` (exact int64)                         | `bigint` or a safe-integer `number`; must fit int64        |
 * | `FLOAT`                     | `number` (NaN and ±Infinity pass through)      | `number`                                                   |
 * | `STRING`                    | `string`                                       | `string`                                                   |
 * | `BOOLEAN`                   | `boolean`                                      | `boolean`                                                  |
 * | `DATETIME`                  | `Date` (sub-millisecond precision truncated)   | a valid `Date`, or an ISO-8601 string (no offset = UTC)    |
 * | `DURATION`                  | `number` of milliseconds (may be fractional)   | `number` of milliseconds                                   |
 * | `NONE`                      | `null`                                         | `null` or `undefined`                                      |
 * | `BINARY`                    | `Uint8Array`                                   | `Uint8Array` (a `Buffer` is one)                           |
 * | `STRUCT` (dataclass, dict)  | the decoded object (see below)                 | a plain object (see below)                                 |
 * | collection of T             | `T[]`                                          | an array                                                   |
 * | map of T                    | `Record<string, T>`                            | a plain object                                             |
 * | blob (file, directory)      | {@link BlobValue}                              | a {@link BlobValue} (format/dimensionality optional) or a URI string |
 * | structured dataset          | {@link StructuredDatasetValue}                 | a {@link StructuredDatasetValue} (format optional) or a URI string |
 * | schema (legacy)             | {@link SchemaValue}                            | a {@link SchemaValue} or a URI string                      |
 * | enum                        | `string`, one of the declared values           | `string`, one of the declared values                       |
 * | union                       | the value of the variant that was sent         | any value; the first declared variant that accepts it wins |
 *
 * **Structs.** An input struct arrives either as msgpack bytes (Flyte's default for dataclasses and pydantic
 * models) or as a protobuf `Struct`; both become plain JSON-like objects. Msgpack integers become `number`s when
 * they are safe integers and `bigint`s only beyond ±2^53, so ordinary fields stay ordinary numbers without ever
 * losing precision. Msgpack `bin` becomes a `Uint8Array`. Python floats that hold whole numbers (`2.0`) become
 * plain JS numbers, so int-versus-float is not preserved across a round trip.
 *
 * An output struct must be a plain object of JSON-like values (null, boolean, number, string, arrays, plain
 * objects) plus `bigint` and `Uint8Array` (msgpack only) and `Date` (sent as its ISO-8601 string, as Python's
 * dataclass serialisers do). Properties that are `undefined` are left out, as in JSON. It is sent as msgpack
 * unless `structEncoding: 'generic'` asks for a protobuf `Struct`, which cannot hold bigints beyond ±2^53,
 * bytes, NaN or ±Infinity.
 *
 * **Missing values.** Declared inputs that Flyte did not send (defaults) are absent from the input record.
 * Declared outputs that a connector leaves out (or sets to `undefined`) are not emitted; return `null` to emit
 * an explicit None.
 *
 * **Undeclared variables.** An input literal without a declared type is converted by its own shape as a
 * fallback: primitives as above, a struct or msgpack binary as a decoded object, other binary as `Uint8Array`,
 * blobs, datasets and schemas as their value objects, collections and maps recursively. An output without a
 * declared type is a connector bug and is refused.
 *
 * @module
 */

import type { LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';

/** Whether a blob is one file (`SINGLE`) or a directory of files (`MULTIPART`). */
export type BlobDimensionality = 'SINGLE' | 'MULTIPART';

/**
 * A Flyte file or directory: a reference to data in blob storage. Connectors receive all fields; when returning
 * one, `format` and `dimensionality` may be omitted (they default to the declared type), or a plain URI string
 * may be returned instead.
 */
export interface BlobValue {
  /** Where the data lives, e.g. `s3://bucket/key`. */
  readonly uri: string;
  /** The file format, e.g. `csv`; empty when unspecified. */
  readonly format: string;
  /** A single file or a directory (multipart blob). */
  readonly dimensionality: BlobDimensionality;
}

/** A column of a structured dataset, typed with a Flyte `LiteralType`. */
export interface DatasetColumn {
  readonly name: string;
  readonly type: LiteralType;
}

/**
 * A structured dataset (a dataframe in storage). When returning one, `format` may be omitted (the declared
 * format is used), `columns` may be omitted (the declared columns are used), or a plain URI string may be
 * returned instead.
 */
export interface StructuredDatasetValue {
  /** Where the dataset lives, e.g. `bq://project:dataset.table`. */
  readonly uri: string;
  /** The storage format, e.g. `parquet`; empty when unspecified. */
  readonly format: string;
  /** Present when the literal or the declared type lists columns. */
  readonly columns?: readonly DatasetColumn[];
}

/** The column types of the legacy schema type. */
export type SchemaColumnType = 'INTEGER' | 'FLOAT' | 'STRING' | 'BOOLEAN' | 'DATETIME' | 'DURATION';

export interface SchemaColumn {
  readonly name: string;
  readonly type: SchemaColumnType;
}

/**
 * A legacy Flyte schema. When returning one, `columns` may be omitted (the declared columns are used), or a
 * plain URI string may be returned instead.
 */
export interface SchemaValue {
  /** Where the data lives. */
  readonly uri: string;
  /** Present when the literal or the declared type lists columns. */
  readonly columns?: readonly SchemaColumn[];
}

/** How an output struct is put on the wire: msgpack bytes (Flyte's default) or a protobuf `Struct`. */
export type StructEncoding = 'msgpack' | 'generic';
