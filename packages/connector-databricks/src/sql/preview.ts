import { assertStatus } from './failures.js';
import type { Preview } from './statement-state.js';
import {
  COLUMN_BASED_SET,
  type HiveDriver,
  type Int64Like,
  type TColumn,
  type TColumnVector,
  type TOperationHandle,
} from './thrift-types.js';

/** `TFetchOrientation.FETCH_FIRST`: reads from the first row, so that every replica's Get shows the same rows. */
const FETCH_FIRST = 4;
/** Longest text of one preview cell; custom_info is shown in the UI, not a data channel. */
const MAX_CELL = 200;

type Cell = string | number | boolean | null;

/**
 * The first `limit` rows of a finished statement's result: GetResultSetMetadata, then FetchResults from the first
 * row. Statements are executed without Arrow or cloud fetch, so the warehouse answers column-based row sets, decoded
 * here.
 */
export async function fetchPreview(
  driver: HiveDriver,
  operationHandle: TOperationHandle,
  limit: number,
): Promise<Preview> {
  const metadata = await driver.getResultSetMetadata({ operationHandle });
  assertStatus(metadata.status, 'Reading the result schema');
  if (
    metadata.resultFormat !== undefined &&
    metadata.resultFormat !== null &&
    metadata.resultFormat !== COLUMN_BASED_SET
  )
    throw new Error(
      `the warehouse answered result format #${metadata.resultFormat}, which the preview does not read`,
    );
  const columns = (metadata.schema?.columns ?? []).map((column) => column.columnName);
  // One row more than shown tells whether the preview is truncated.
  const fetched = await driver.fetchResults({
    operationHandle,
    orientation: FETCH_FIRST,
    maxRows: limit + 1,
    fetchType: 0,
  });
  assertStatus(fetched.status, 'Reading the first result rows');
  const vectors = (fetched.results?.columns ?? []).map(vectorOf);
  const count = Math.max(0, ...vectors.map((vector) => vector?.values.length ?? 0));
  const rows: Cell[][] = [];
  for (let row = 0; row < Math.min(count, limit); row += 1) {
    rows.push(vectors.map((vector) => (vector === undefined ? null : cellAt(vector, row))));
  }
  return { columns, rows, truncated: count > limit || fetched.hasMoreRows === true };
}

type AnyVector = TColumnVector<unknown>;

function vectorOf(column: TColumn): AnyVector | undefined {
  return (
    column.boolVal ??
    column.byteVal ??
    column.i16Val ??
    column.i32Val ??
    column.i64Val ??
    column.doubleVal ??
    column.stringVal ??
    column.binaryVal ??
    undefined
  );
}

function isNull(nulls: Buffer | undefined, row: number): boolean {
  if (nulls === undefined) return false;
  const byte = nulls[row >> 3];
  return byte !== undefined && (byte & (1 << (row & 7))) !== 0;
}

function cellAt(vector: AnyVector, row: number): Cell {
  if (isNull(vector.nulls, row)) return null;
  const value = vector.values[row];
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return clip(value);
  if (Buffer.isBuffer(value)) return clip(`base64:${value.toString('base64')}`);
  const int64 = value as Int64Like;
  if (typeof int64.toNumber === 'function') {
    const number = int64.toNumber(false);
    return Number.isFinite(number) ? number : int64.toString(10);
  }
  return clip(JSON.stringify(value) ?? '');
}

function clip(text: string): string {
  return text.length <= MAX_CELL ? text : `${text.slice(0, MAX_CELL - 1)}…`;
}
