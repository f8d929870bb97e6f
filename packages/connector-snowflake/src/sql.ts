import { InvalidArgumentError, type TaskTemplate } from '@org/connector-core';

/** A value the driver binds (`?` positional binds; snowflake-sdk types them TEXT, FIXED, REAL or BOOLEAN). */
export type BindValue = string | number | boolean | null;

/** The statement rewritten for the driver: `%(name)s` placeholders as `?`, with the values in order. */
export interface BoundStatement {
  readonly sqlText: string;
  readonly binds: BindValue[];
  /** The input names, one per bind, in order (for logs: names, never values). */
  readonly names: string[];
}

const PLACEHOLDER = /%\(([^)]*)\)s|%%/g;

/** `template.sql.statement`, refusing an empty one. */
export function statementOf(template: TaskTemplate): string {
  const sql = template.target.case === 'sql' ? template.target.value.statement : '';
  if (sql.trim() === '') {
    throw new InvalidArgumentError('The task has no SQL: template.sql.statement is empty.');
  }
  return sql;
}

/**
 * Converts the Python SDKs' pyformat placeholders (`%(name)s`, with `%%` for a literal `%`, as the Python Snowflake
 * connector reads them) to the driver's positional `?` binds. A name used twice is bound twice. Values are sent as
 * binds, never spliced into the text.
 */
export function bindStatement(sql: string, inputs: Readonly<Record<string, unknown>>): BoundStatement {
  const binds: BindValue[] = [];
  const names: string[] = [];
  const hasPlaceholders = /%\([^)]*\)s/.test(sql);
  const sqlText = sql.replace(PLACEHOLDER, (match, name: string | undefined) => {
    if (match === '%%') return hasPlaceholders ? '%' : match;
    if (name === undefined || !Object.hasOwn(inputs, name)) {
      throw new InvalidArgumentError(
        `The SQL refers to %(${name ?? ''})s, but the task has no input of that name (inputs: ${Object.keys(inputs).join(', ') || 'none'}).`,
      );
    }
    binds.push(bindValue(inputs[name], name));
    names.push(name);
    return '?';
  });
  return { sqlText, binds, names };
}

/** One input as a bind value (see the README's table). */
export function bindValue(value: unknown, name: string): BindValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // Snowflake reads 'NaN', 'inf' and '-inf' as FLOAT values; JSON numbers cannot carry them.
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
      return value;
    case 'bigint':
      // Exact beyond 2^53 as text: Snowflake converts it to NUMBER without loss.
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'object') {
    const uri = (value as { uri?: unknown }).uri;
    // Files, directories and structured datasets: their URI (e.g. a stage or table reference).
    if (typeof uri === 'string' && !Array.isArray(value)) return uri;
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  throw new InvalidArgumentError(`Input '${name}' cannot be bound to the SQL (type ${typeof value}).`);
}

/**
 * flyte-sdk's batch mode (`custom.batch`): every input is a list, of one common length, and the statement's single
 * `VALUES (...)` clause is repeated once per row, each row's placeholders bound to that row's elements —
 * `INSERT INTO t (a, b) VALUES (%(a)s, %(b)s)` with `{a: [1, 2], b: ['x', 'y']}` becomes
 * `INSERT INTO t (a, b) VALUES (?, ?), (?, ?)` bound to `1, 'x', 2, 'y'`, as flyte-sdk's connector expands it.
 * A task without inputs runs its statement as written (flyte-sdk does the same).
 */
export function bindBatchStatement(sql: string, inputs: Readonly<Record<string, unknown>>): BoundStatement {
  const names = Object.keys(inputs);
  if (names.length === 0) return bindStatement(sql, inputs);
  const lengths = new Set<number>();
  for (const name of names) {
    const value = inputs[name];
    if (!Array.isArray(value)) {
      throw new InvalidArgumentError(
        `custom.batch: every input must be a list (one element per row); '${name}' is not.`,
      );
    }
    lengths.add(value.length);
  }
  if (lengths.size !== 1) {
    throw new InvalidArgumentError(
      `custom.batch: the input lists must have the same length; got ${names.map((n) => `${n}: ${(inputs[n] as unknown[]).length}`).join(', ')}.`,
    );
  }
  const rows = [...lengths][0]!;
  if (rows === 0)
    throw new InvalidArgumentError('custom.batch: the input lists are empty; there is no row to insert.');
  const clause = valuesClause(sql);
  const rowInputs: Record<string, unknown> = {};
  const expanded: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    // `name[row]` cannot collide with an input name: names are identifiers.
    expanded.push(
      `(${clause.content.replace(/%\(([^)]*)\)s/g, (match, name: string) => {
        if (!Object.hasOwn(inputs, name)) return match;
        rowInputs[`${name}[${row}]`] = (inputs[name] as unknown[])[row];
        return `%(${name}[${row}])s`;
      })})`,
    );
  }
  return bindStatement(
    `${sql.slice(0, clause.start)}VALUES ${expanded.join(', ')}${sql.slice(clause.end)}`,
    rowInputs,
  );
}

/** The one `VALUES (...)` clause of a statement: where it starts and ends, and what is inside its parentheses. */
function valuesClause(sql: string): { start: number; end: number; content: string } {
  const found: { start: number; end: number; content: string }[] = [];
  const keyword = /\bVALUES\s*\(/gi;
  for (let match = keyword.exec(sql); match !== null; match = keyword.exec(sql)) {
    const open = match.index + match[0].length - 1;
    let depth = 0;
    let close = -1;
    for (let i = open; i < sql.length; i += 1) {
      if (sql[i] === '(') depth += 1;
      else if (sql[i] === ')' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close === -1) throw new InvalidArgumentError('custom.batch: the VALUES (...) clause is not closed.');
    found.push({ start: match.index, end: close + 1, content: sql.slice(open + 1, close) });
    keyword.lastIndex = close + 1;
  }
  if (found.length === 0) {
    throw new InvalidArgumentError('custom.batch: batch mode needs a statement with a VALUES (...) clause.');
  }
  if (found.length > 1) {
    throw new InvalidArgumentError(
      'custom.batch: batch mode expands exactly one VALUES (...) clause; the statement has several.',
    );
  }
  return found[0]!;
}
