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
