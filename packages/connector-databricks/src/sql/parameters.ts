import { InvalidArgumentError, type LiteralType } from '@org/connector-core';

/** `SimpleType` numbers of the Flyte IDL. */
const SIMPLE = { NONE: 0, INTEGER: 1, FLOAT: 2, STRING: 3, BOOLEAN: 4, DATETIME: 5, DURATION: 6, BINARY: 7 };

/** A named parameter for the warehouse: its value as the SDK's `DBSQLParameter` takes it, and its SQL type. */
export interface NamedParameter {
  readonly name: string;
  readonly value: string | number | bigint | boolean | Date | null;
  /** Databricks SQL type name (`DBSQLParameterType`); undefined for NULL. */
  readonly type: string | undefined;
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;

/**
 * The names of the `:name` parameter markers in a Databricks SQL statement, in order of first use. String literals,
 * quoted identifiers and comments are skipped; `::` casts and the JSON path operator (`raw:owner`, a colon right
 * after an expression) are not markers.
 */
export function parameterMarkers(sql: string): string[] {
  const names: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c);
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === ':' && next === ':') {
      i += 2;
    } else if (c === ':' && next !== undefined && IDENTIFIER_START.test(next) && !followsExpression(sql, i)) {
      let end = i + 1;
      while (end < sql.length && IDENTIFIER_PART.test(sql[end]!)) end += 1;
      const name = sql.slice(i + 1, end);
      if (!names.includes(name)) names.push(name);
      i = end;
    } else {
      i += 1;
    }
  }
  return names;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\\' && quote !== '`') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  return sql.length;
}

/** Spark SQL block comments nest. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return sql.length;
}

/** A colon right after an identifier, `)`, `]` or a quoted identifier is Databricks' JSON path operator. */
function followsExpression(sql: string, colon: number): boolean {
  const previous = sql[colon - 1];
  return previous !== undefined && (IDENTIFIER_PART.test(previous) || /[)\]`]/.test(previous));
}

/**
 * The parameters of a statement: one per marker, valued from the task input of that name and typed by the input's
 * declared Flyte type (int → BIGINT, float → DOUBLE, str → STRING, bool → BOOLEAN, datetime → TIMESTAMP; lists,
 * dicts and dataclasses → STRING holding JSON, for `from_json`; files and datasets → STRING holding the URI).
 * A marker without an input is refused here rather than by the warehouse (UNBOUND_SQL_PARAMETER).
 */
export function namedParameters(
  sql: string,
  inputs: Readonly<Record<string, unknown>>,
  inputTypes: ReadonlyMap<string, LiteralType>,
): NamedParameter[] {
  return parameterMarkers(sql).map((name) => {
    if (!Object.hasOwn(inputs, name)) {
      throw new InvalidArgumentError(
        `The SQL refers to :${name}, but the task has no input of that name (inputs: ${Object.keys(inputs).join(', ') || 'none'}).`,
      );
    }
    return parameter(name, inputs[name], inputTypes.get(name));
  });
}

function parameter(name: string, value: unknown, declared: LiteralType | undefined): NamedParameter {
  if (value === null || value === undefined) return { name, value: null, type: undefined };
  const simple = declared?.type.case === 'simple' ? (declared.type.value as number) : undefined;
  const where = `input '${name}'`;
  if (simple === SIMPLE.DURATION) {
    throw new InvalidArgumentError(
      `${where}: a duration cannot be a Databricks SQL parameter; pass its length as a number (e.g. seconds) and use make_interval or make_dt_interval.`,
    );
  }
  if (value instanceof Uint8Array || simple === SIMPLE.BINARY) {
    throw new InvalidArgumentError(
      `${where}: binary values cannot be Databricks SQL parameters; pass them as text (base64 or hex) and use unbase64 or unhex.`,
    );
  }
  switch (typeof value) {
    case 'bigint':
      return { name, value, type: 'BIGINT' };
    case 'number':
      if (simple === SIMPLE.INTEGER && Number.isSafeInteger(value))
        return { name, value: BigInt(value), type: 'BIGINT' };
      return { name, value, type: 'DOUBLE' };
    case 'boolean':
      return { name, value, type: 'BOOLEAN' };
    case 'string':
      return { name, value, type: 'STRING' };
    default:
      break;
  }
  if (value instanceof Date) return { name, value, type: 'TIMESTAMP' };
  if (typeof value === 'object') {
    const uri = (value as { uri?: unknown }).uri;
    if (typeof uri === 'string' && !Array.isArray(value)) return { name, value: uri, type: 'STRING' };
    return {
      name,
      value: JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      type: 'STRING',
    };
  }
  throw new InvalidArgumentError(`${where} cannot be a Databricks SQL parameter (type ${typeof value}).`);
}
