import { describe, expect, it } from 'vitest';
import { endpointOf, parseEndpoint, resultTableOf, warehouseOf } from './target.js';

describe('warehouseOf', () => {
  it('accepts a bare host, a host with port or an https URL, and a warehouse id or HTTP path', () => {
    expect(warehouseOf('dbc-1.cloud.databricks.com', undefined, 'abc123', undefined)).toEqual({
      host: 'dbc-1.cloud.databricks.com',
      port: 443,
      path: '/sql/1.0/warehouses/abc123',
    });
    expect(warehouseOf('https://127.0.0.1:8443/', 'sql/1.0/warehouses/x', 'ignored', undefined)).toEqual({
      host: '127.0.0.1',
      port: 8443,
      path: '/sql/1.0/warehouses/x',
    });
  });

  it('refuses plain http, paths in the host, a missing warehouse, and hosts outside the allow-list', () => {
    expect(() => warehouseOf('http://h', '/p', undefined, undefined)).toThrow(/https/);
    expect(() => warehouseOf('h/extra', '/p', undefined, undefined)).toThrow(/server_hostname/);
    expect(() => warehouseOf('h', undefined, undefined, undefined)).toThrow(/http_path or warehouse_id/);
    expect(() => warehouseOf('evil.example.com', '/p', undefined, 'dbc-1.cloud.databricks.com')).toThrow(
      /FLYTE_DATABRICKS_ALLOWED_INSTANCES/,
    );
  });

  it('records the endpoint compactly and reads it back', () => {
    expect(endpointOf({ host: 'h', port: 443, path: '/' })).toBe('h');
    expect(parseEndpoint(endpointOf({ host: '127.0.0.1', port: 8443, path: '/' }))).toEqual({
      host: '127.0.0.1',
      port: 8443,
    });
  });
});

describe('resultTableOf', () => {
  it("qualifies a table with the task's catalog and schema", () => {
    expect(resultTableOf('t', 'main', 'sales')).toBe('main.sales.t');
    expect(resultTableOf('s.t', 'main', 'sales')).toBe('main.s.t');
    expect(resultTableOf('c.s.t', 'main', 'sales')).toBe('c.s.t');
    expect(resultTableOf('t', undefined, undefined)).toBe('t');
    expect(resultTableOf('t', 'main', 'sales-eu')).toBe('main.`sales-eu`.t');
    expect(resultTableOf(undefined, 'main', 'sales')).toBeUndefined();
  });

  it('refuses anything but a table name', () => {
    expect(() => resultTableOf('t; DROP TABLE x', 'main', 'sales')).toThrow(/result_table/);
    expect(() => resultTableOf('a.b.c.d', undefined, undefined)).toThrow(/result_table/);
  });
});
