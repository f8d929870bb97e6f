// Google APIs' partial responses: the `fields` query parameter selects parts of the answer
// (https://cloud.google.com/bigquery/docs/api-performance#partial-response). The syntax: a comma-separated list
// of selections; `a/b` selects field b inside a; `a(b,c)` selects b and c inside a; a selection inside an array
// applies to each element. Errors are never filtered. BigQuery answers 400 for a field the resource does not
// have; this backend checks only the top level (against the Job resource's fields).
import type { Json } from './bigquery-backend.js';

/** A parsed selection: for each selected field, `true` (all of it) or the selection inside it. */
export type FieldSelection = Map<string, FieldSelection | true>;

/** The Job resource's top-level fields (REST reference, v2). */
export const JOB_RESOURCE_FIELDS: ReadonlySet<string> = new Set([
  'kind',
  'etag',
  'id',
  'selfLink',
  'user_email',
  'configuration',
  'jobReference',
  'statistics',
  'status',
  'principal_subject',
  'jobCreationReason',
]);

/** Parses a `fields` value; throws an Error whose message is BigQuery's when it is malformed. */
export function parseFields(text: string): FieldSelection {
  let position = 0;
  const fail = (): never => {
    throw new Error(`Invalid field selection ${text}`);
  };
  const name = (): string => {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(position));
    if (match === null) return fail();
    position += match[0].length;
    return match[0];
  };
  const list = (into: FieldSelection): void => {
    for (;;) {
      item(into);
      if (text[position] !== ',') return;
      position += 1;
    }
  };
  const item = (into: FieldSelection): void => {
    const field = name();
    let inner: FieldSelection | true = true;
    if (text[position] === '/') {
      position += 1;
      inner = new Map();
      item(inner);
    } else if (text[position] === '(') {
      position += 1;
      inner = new Map();
      list(inner);
      if (text[position] !== ')') fail();
      position += 1;
    }
    merge(into, field, inner);
  };
  const selection: FieldSelection = new Map();
  list(selection);
  if (position !== text.length) fail();
  return selection;
}

function merge(into: FieldSelection, field: string, inner: FieldSelection | true): void {
  const existing = into.get(field);
  if (existing === true || inner === true || existing === undefined) {
    into.set(field, existing === true || inner === true ? true : inner);
    return;
  }
  for (const [key, value] of inner) merge(existing, key, value);
}

/** The parts of a JSON value a selection asks for (fields absent from the value stay absent). */
export function selectFields(value: Json, selection: FieldSelection): Json {
  if (Array.isArray(value)) return value.map((element) => selectFields(element, selection));
  if (typeof value !== 'object' || value === null) return value;
  const result: { [key: string]: Json } = {};
  for (const [field, inner] of selection) {
    const child = value[field];
    if (child === undefined) continue;
    result[field] = inner === true ? child : selectFields(child, inner);
  }
  return result;
}
