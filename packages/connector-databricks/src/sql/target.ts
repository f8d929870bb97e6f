import { InvalidArgumentError } from '@org/connector-core';
import { checkAllowed } from '../instance.js';

/** Where a statement runs: the warehouse endpoint. */
export interface Warehouse {
  /** Host name, without scheme or port. */
  readonly host: string;
  readonly port: number;
  /** HTTP path, e.g. `/sql/1.0/warehouses/abc123`. */
  readonly path: string;
}

const DEFAULT_PORT = 443;
const WAREHOUSE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const HTTP_PATH = /^\/[A-Za-z0-9_./-]{1,200}$/;

/**
 * The warehouse a task names: `server_hostname` (a host such as `dbc-1234.cloud.databricks.com`, optionally with a
 * port or an `https://` scheme, as the Databricks SQL drivers accept it) and either `http_path` or `warehouse_id`
 * (which stands for `/sql/1.0/warehouses/<id>`). Checked against the operator's allow-list, since the token is sent
 * to that host.
 */
export function warehouseOf(
  serverHostname: string,
  httpPath: string | undefined,
  warehouseId: string | undefined,
  allowList: string | undefined,
): Warehouse {
  const text = serverHostname.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new InvalidArgumentError(
      'server_hostname: expected a workspace host such as dbc-123.cloud.databricks.com',
    );
  }
  if (
    url.protocol !== 'https:' ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new InvalidArgumentError(
      'server_hostname: expected a host (and port) only; the SQL protocol always uses https',
    );
  }
  checkAllowed(url, allowList);
  return {
    host: url.hostname,
    port: url.port === '' ? DEFAULT_PORT : Number(url.port),
    path: pathOf(httpPath, warehouseId),
  };
}

function pathOf(httpPath: string | undefined, warehouseId: string | undefined): string {
  if (httpPath !== undefined && httpPath.trim() !== '') {
    const path = `/${httpPath.trim().replace(/^\/+/, '')}`;
    if (!HTTP_PATH.test(path)) throw new InvalidArgumentError(`http_path: '${httpPath}' is not an HTTP path`);
    return path;
  }
  if (warehouseId !== undefined && warehouseId.trim() !== '') {
    const id = warehouseId.trim();
    if (!WAREHOUSE_ID.test(id)) throw new InvalidArgumentError(`warehouse_id: '${warehouseId}' is not an id`);
    return `/sql/1.0/warehouses/${id}`;
  }
  throw new InvalidArgumentError(
    'http_path or warehouse_id: the task names no SQL warehouse (custom.http_path such as /sql/1.0/warehouses/abc123, or custom.warehouse_id)',
  );
}

/** `host` or `host:port` as resource_meta records it. */
export function endpointOf(warehouse: Warehouse): string {
  return warehouse.port === DEFAULT_PORT ? warehouse.host : `${warehouse.host}:${warehouse.port}`;
}

/** The inverse of {@link endpointOf}. */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^([^:/\s]+)(?::(\d{1,5}))?$/.exec(endpoint);
  if (match === null) throw new Error(`endpoint: expected host[:port], got '${endpoint}'`);
  return { host: match[1]!, port: match[2] === undefined ? DEFAULT_PORT : Number(match[2]) };
}

/** The warehouse id inside an HTTP path (`/sql/1.0/warehouses/<id>`), for links. */
export function warehouseIdOf(path: string): string | undefined {
  return /\/warehouses\/([^/?#]+)/.exec(path)?.[1];
}

const TABLE_PART = /^(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * The result table a task configures (`custom.result_table`), qualified with the task's catalog and schema when it
 * names fewer parts, so that the output names the same table whatever the session's defaults are.
 */
export function resultTableOf(
  table: string | undefined,
  catalog: string | undefined,
  schema: string | undefined,
): string | undefined {
  if (table === undefined || table.trim() === '') return undefined;
  const parts = table.trim().split('.');
  if (parts.length > 3 || !parts.every((part) => TABLE_PART.test(part))) {
    throw new InvalidArgumentError(
      `result_table: '${table}' is not a table name (catalog.schema.table, schema.table or table)`,
    );
  }
  if (parts.length === 1 && schema !== undefined && schema !== '') parts.unshift(identifier(schema));
  if (parts.length === 2 && catalog !== undefined && catalog !== '') parts.unshift(identifier(catalog));
  return parts.join('.');
}

/** A catalog or schema name as a SQL identifier: back-quoted unless it is a plain one. */
function identifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}
