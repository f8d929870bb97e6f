/** Deeper structures are cut: log fields are not the place for them, and cloning must stay cheap. */
const MAX_DEPTH = 8;

/**
 * A copy of a log field value that `postMessage` accepts: errors become `{ type, message, stack }` (as pino
 * serializes them), functions and symbols their description, class instances their own enumerable properties.
 */
export function toCloneable(value: unknown, depth = 0): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return value;
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
  }
  if (value === null || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (Array.isArray(value)) return value.map((item) => toCloneable(item, depth + 1));
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([key, item]) => [String(key), toCloneable(item, depth + 1)]));
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as object)) result[key] = toCloneable(item, depth + 1);
  return result;
}
