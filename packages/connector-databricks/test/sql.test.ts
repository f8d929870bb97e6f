// The Databricks SQL connector through the real service and core's protocol clients, in both families, against the
// local HiveServer2-over-HTTPS warehouse (test/support/sql-backend.ts) that @databricks/sql talks to.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorClient } from '@org/connector-core';
import { phaseName, submitTask } from '@org/connector-core/testing';
import {
  SQL_SERVER_TOKEN,
  SQL_TENANT_TOKEN,
  sqlInput,
  sqlTask,
  startSqlEnvironment,
  statementMetaOf,
  type SqlEnvironment,
} from './support/sql-service.js';
import { WAREHOUSE_PATH } from './support/sql-backend.js';

type Protocol = 'v1' | 'v2';
type ResourceMessage = Awaited<ReturnType<ConnectorClient['get']>>;

let env: SqlEnvironment;

beforeAll(async () => {
  env = await startSqlEnvironment();
});

afterAll(async () => {
  await env?.stop();
});

afterEach(() => {
  env.backend.clearFaults();
});

function secretsFor(protocol: Protocol) {
  return protocol === 'v2' ? { databricks_token: SQL_TENANT_TOKEN } : undefined;
}

/** The URI of a structured-dataset output (undefined when absent). */
function datasetOutput(resource: ResourceMessage, name: string): string | undefined {
  const literal = resource.outputs?.literals.find((entry) => entry.name === name)?.value;
  if (literal?.value.case !== 'scalar') return undefined;
  const scalar = literal.value.value.value;
  return scalar.case === 'structuredDataset' ? scalar.value.uri : undefined;
}

function failureOf(promise: Promise<unknown>): Promise<{ kind?: string; message?: string } | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => error as { kind?: string; message?: string },
  );
}

describe.each<Protocol>(['v1', 'v2'])('databricks_sql over %s', (protocol) => {
  const token = protocol === 'v2' ? SQL_TENANT_TOKEN : SQL_SERVER_TOKEN;

  it('executes the statement asynchronously with typed named parameters and follows it to SUCCEEDED with a preview', async () => {
    const client = env.client(protocol);
    const task = await submitTask(
      client,
      sqlInput(sqlTask(), { day: '2026-11-21', n: 5n }, secretsFor(protocol)),
    );
    const meta = statementMetaOf(task.resourceMeta);
    expect(Object.keys(meta).sort()).toEqual([
      'endpoint',
      'hasResultSet',
      'path',
      'sessionId',
      'statementId',
      'statementSecret',
    ]);
    expect(meta.endpoint).toBe(env.backend.hostname);
    expect(meta.path).toBe(WAREHOUSE_PATH);
    expect(new TextDecoder().decode(task.resourceMeta)).not.toContain(token);

    const statement = env.backend.statement(meta.statementId);
    expect(statement.text).toBe('SELECT id, name FROM orders WHERE day = :day LIMIT :n');
    expect(statement.parameters).toEqual([
      { name: 'day', type: 'STRING', value: '2026-11-21' },
      { name: 'n', type: 'BIGINT', value: '5' },
    ]);
    expect(statement.runAsync).toBe(true);
    // Direct results would let the warehouse close a quick statement inside ExecuteStatement.
    expect(statement.directResults).toBe(false);
    expect(env.backend.sessions.get(statement.sessionId)).toMatchObject({ catalog: 'main', schema: 'sales' });
    expect(env.backend.logged('ExecuteStatement').at(-1)?.authorization).toBe(`Bearer ${token}`);

    const pending = await client.get(task);
    expect(phaseName(pending)).toBe('QUEUED');
    expect(pending.message).toContain('waiting for the warehouse');
    env.backend.set(meta.statementId, 'RUNNING_STATE');
    expect(phaseName(await client.get(task))).toBe('RUNNING');
    env.backend.set(meta.statementId, 'FINISHED_STATE');
    const done = await client.get(task);
    expect(phaseName(done)).toBe('SUCCEEDED');
    expect(done.logLinks?.[0]).toMatchObject({
      name: 'Databricks Query History',
      uri: `https://${env.backend.hostname}/sql/history?queryId=${meta.statementId}`,
    });
    expect(done.customInfo).toMatchObject({
      statementId: meta.statementId,
      sessionId: meta.sessionId,
      state: 'FINISHED',
      preview: {
        columns: ['id', 'name'],
        rows: [
          [1, 'one'],
          [2, 'two'],
        ],
        truncated: false,
      },
    });
    // Every Get reads the preview from the first row: the same answer from any replica, any number of times.
    expect((await client.get(task)).customInfo).toEqual(done.customInfo);

    await client.delete(task);
    expect(env.backend.cancelledStatements).toContain(meta.statementId);
    expect(env.backend.closedStatements).toContain(meta.statementId);
  });

  it('reports the warehouse error with its SQLSTATE as FAILED', async () => {
    const client = env.client(protocol);
    const task = await submitTask(client, sqlInput(sqlTask(), { day: 'x', n: 1n }, secretsFor(protocol)));
    const { statementId } = statementMetaOf(task.resourceMeta);
    env.backend.set(statementId, 'ERROR_STATE', {
      message: '[TABLE_OR_VIEW_NOT_FOUND] The table or view `orders` cannot be found.',
      sqlState: '42P01',
    });
    const failed = await client.get(task);
    expect(phaseName(failed)).toBe('FAILED');
    expect(failed.message).toContain('[TABLE_OR_VIEW_NOT_FOUND]');
    expect(failed.message).toContain('42P01');
  });

  it('DeleteTask cancels a running statement and closes it; the statement then reads as ABORTED or gone', async () => {
    const client = env.client(protocol);
    const task = await submitTask(client, sqlInput(sqlTask(), { day: 'x', n: 1n }, secretsFor(protocol)));
    const { statementId } = statementMetaOf(task.resourceMeta);
    env.backend.set(statementId, 'RUNNING_STATE');
    await client.delete(task);
    expect(env.backend.cancelledStatements).toContain(statementId);
    expect(env.backend.closedStatements).toContain(statementId);
    // A second Delete (Flyte retries) and a Delete of a statement the warehouse never knew both succeed.
    await client.delete(task);
    const gone = await client.get(task);
    expect(phaseName(gone)).toBe('RETRYABLE_FAILED');
    expect(gone.message).toContain('no longer knows');
  });

  it('writes the result to the configured table and returns it as the results structured dataset', async () => {
    const client = env.client(protocol);
    const template = sqlTask({
      sql: 'SELECT * FROM orders WHERE n > :n;',
      inputs: { n: 'INTEGER' },
      outputs: { results: 'STRUCTURED_DATASET' },
      custom: { result_table: 'daily_orders' },
    });
    const task = await submitTask(client, sqlInput(template, { n: 3n }, secretsFor(protocol)));
    const meta = statementMetaOf(task.resourceMeta);
    expect(meta.resultTable).toBe('main.sales.daily_orders');
    expect(env.backend.statement(meta.statementId).text).toBe(
      'CREATE OR REPLACE TABLE main.sales.daily_orders AS SELECT * FROM orders WHERE n > :n',
    );
    env.backend.set(meta.statementId, 'FINISHED_STATE');
    const done = await client.get(task);
    expect(phaseName(done)).toBe('SUCCEEDED');
    expect(datasetOutput(done, 'results')).toBe('databricks://127.0.0.1/main.sales.daily_orders');
    await client.delete(task);
  });

  it('refuses a statement naming a parameter the task has no input for, before reaching the warehouse', async () => {
    const client = env.client(protocol);
    const before = env.backend.createdStatements.length;
    const failure = await failureOf(
      submitTask(client, sqlInput(sqlTask({ sql: 'SELECT :missing', inputs: {} }), {}, secretsFor(protocol))),
    );
    expect(failure?.kind).toBe('INVALID_ARGUMENT');
    expect(failure?.message).toContain(':missing');
    expect(env.backend.createdStatements.length).toBe(before);
  });
});

describe('connections and sessions', () => {
  it('reuses one pooled session and one connection for many statements and polls', async () => {
    const client = env.client('v1');
    const connectionsBefore = env.backend.connections;
    const sessionsBefore = env.backend.sessions.size;
    const tasks = [];
    for (let i = 0; i < 5; i += 1)
      tasks.push(await submitTask(client, sqlInput(sqlTask(), { day: 'd', n: BigInt(i) })));
    for (const task of tasks) for (let poll = 0; poll < 3; poll += 1) await client.get(task);
    const sessionIds = new Set(tasks.map((task) => statementMetaOf(task.resourceMeta).sessionId));
    expect(sessionIds.size).toBe(1);
    expect(env.backend.sessions.size - sessionsBefore).toBeLessThanOrEqual(1);
    // 5 ExecuteStatement + 15 GetOperationStatus over keep-alive: a connection or two, not twenty.
    expect(env.backend.connections - connectionsBefore).toBeLessThanOrEqual(2);
    for (const task of tasks) await client.delete(task);
  });

  it('replaces a pooled session the warehouse closed and runs the statement on a new one', async () => {
    const client = env.client('v1');
    const first = await submitTask(client, sqlInput(sqlTask(), { day: 'd', n: 1n }));
    const firstSession = statementMetaOf(first.resourceMeta).sessionId;
    env.backend.sessions.get(firstSession)!.open = false;
    const second = await submitTask(client, sqlInput(sqlTask(), { day: 'd', n: 2n }));
    const secondSession = statementMetaOf(second.resourceMeta).sessionId;
    expect(secondSession).not.toBe(firstSession);
    expect(env.backend.sessions.get(secondSession)?.open).toBe(true);
  });
});

describe('shutdown', () => {
  it('closes its warehouse connections on shutdown and leaves the sessions (and their statements) open', async () => {
    // A long socket timeout, so that idle keep-alive sockets do not time out by themselves during the test.
    const own = await startSqlEnvironment(() => ({ FLYTE_DATABRICKS_TIMEOUT_MS: '60000' }));
    try {
      const client = own.client('v1');
      const task = await submitTask(client, sqlInput(sqlTask(), { day: 'd', n: 1n }));
      await client.get(task);
      const { sessionId, statementId } = statementMetaOf(task.resourceMeta);
      expect(own.backend.openSockets).toBeGreaterThan(0);

      await own.service.stop();
      const deadline = Date.now() + 2_000;
      while (own.backend.openSockets > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(own.backend.openSockets).toBe(0);
      expect(own.backend.sessions.get(sessionId)?.open).toBe(true);
      expect(own.backend.logged('CloseSession')).toEqual([]);
      expect(own.backend.statements.has(statementId)).toBe(true);
    } finally {
      await own.stop();
    }
  });
});
