// A databricks_sql task as a Python SDK would write it with `pyflyte serialize` (TaskTemplate proto JSON). No Python
// plugin defines this task type yet, so the fixture is hand-built to the shape this connector documents; it is read
// through core's public parseTaskFile, as `flyte-connect run` reads such a file, and run in both families.
import { readFileSync } from 'node:fs';
import { parseTaskFile } from '@org/connector-core';
import { phaseName, submitTask } from '@org/connector-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SQL_TENANT_TOKEN,
  sqlInput,
  startSqlEnvironment,
  statementMetaOf,
  type SqlEnvironment,
} from './support/sql-service.js';

const FIXTURE = new URL('fixtures/databricks-sql-task.json', import.meta.url);

let env: SqlEnvironment;

beforeAll(async () => {
  env = await startSqlEnvironment();
});

afterAll(async () => {
  await env?.stop();
});

function fixtureTask() {
  const text = readFileSync(FIXTURE, 'utf8').replace('SERVER_HOSTNAME', env.backend.hostname);
  return parseTaskFile(new TextEncoder().encode(text), 'task.json').template;
}

describe.each(['v1', 'v2'] as const)('a serialized databricks_sql task over %s', (protocol) => {
  it('runs unchanged: warehouse id, catalog, schema, timeout, typed parameters, result table output', async () => {
    const client = env.client(protocol);
    const template = fixtureTask();
    const task = await submitTask(
      client,
      sqlInput(
        template,
        { region: 'EMEA', min_total: 1000, top: 20n },
        protocol === 'v2' ? { databricks_token: SQL_TENANT_TOKEN } : undefined,
      ),
    );
    const meta = statementMetaOf(task.resourceMeta);
    expect(meta.path).toBe('/sql/1.0/warehouses/4f2e8c1a9b7d3e60');
    const statement = env.backend.statement(meta.statementId);
    expect(
      statement.text.startsWith('CREATE OR REPLACE TABLE main.sales.top_customers AS SELECT customer_id'),
    ).toBe(true);
    expect(statement.queryTimeout).toBe(900);
    expect(statement.parameters).toEqual([
      { name: 'region', type: 'STRING', value: 'EMEA' },
      { name: 'min_total', type: 'DOUBLE', value: '1000' },
      { name: 'top', type: 'BIGINT', value: '20' },
    ]);
    expect(env.backend.sessions.get(statement.sessionId)).toMatchObject({ catalog: 'main', schema: 'sales' });
    env.backend.set(meta.statementId, 'FINISHED_STATE');
    const done = await client.get(task);
    expect(phaseName(done)).toBe('SUCCEEDED');
    const literal = done.outputs?.literals.find((entry) => entry.name === 'results')?.value;
    const scalar = literal?.value.case === 'scalar' ? literal.value.value.value : undefined;
    expect(scalar?.case === 'structuredDataset' ? scalar.value.uri : undefined).toBe(
      'databricks://127.0.0.1/main.sales.top_customers',
    );
    await client.delete(task);
  });
});
