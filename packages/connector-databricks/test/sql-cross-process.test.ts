// Any replica can track a statement: two service processes (the built `flyte-connect` CLI of core loading the built
// plugin, as deployed), the statement created through one and followed, finished and deleted through the other,
// across the first one's shutdown (which must not take the statement down with its pooled session). The children
// run with core's loopback-only network guard preloaded; a violation shows on their stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGrpcClient, type ConnectorClient } from '@org/connector-core';
import { phaseName, submitTask } from '@org/connector-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlBackend } from './support/sql-backend.js';
import {
  SQL_SERVER_TOKEN,
  SQL_TENANT_TOKEN,
  sqlInput,
  sqlServiceEnv,
  sqlTask,
  statementMetaOf,
} from './support/sql-service.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PLUGIN = join(PACKAGE_DIR, 'dist/plugin.js');
const GUARD = '@org/connector-core/testing/network-guard';
const CLI = join(
  dirname(createRequire(import.meta.url).resolve('@org/connector-core/package.json')),
  'dist/cli/main.js',
);

interface Replica {
  readonly process: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  port: number;
}

function startReplica(env: NodeJS.ProcessEnv): Replica {
  const child = spawn(
    process.execPath,
    [
      '--import',
      GUARD,
      CLI,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--prometheus-port',
      '0',
      '--no-discover',
      '--modules',
      PLUGIN,
      '--secrets-dir',
      '/nonexistent/databricks-sql-replica-secrets',
    ],
    {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const replica: Replica = { process: child, stdout: [], stderr: [], port: 0 };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => replica.stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => replica.stderr.push(chunk));
  return replica;
}

/** Resolves with the gRPC port once the service logged its `serving` line. */
function serving(replica: Replica, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no serving line:\n${replica.stdout.join('')}\n${replica.stderr.join('')}`)),
      timeoutMs,
    );
    const check = () => {
      for (const line of replica.stdout.join('').split('\n')) {
        if (!line.startsWith('{')) continue;
        const json = JSON.parse(line) as Record<string, unknown>;
        if (json['event'] === 'serving') {
          clearTimeout(timer);
          resolve(json['grpcPort'] as number);
          return;
        }
      }
    };
    replica.process.stdout!.on('data', check);
    replica.process.once('close', () =>
      reject(new Error(`exited:\n${replica.stdout.join('')}\n${replica.stderr.join('')}`)),
    );
  });
}

function exited(replica: Replica): Promise<number | null> {
  return new Promise((resolve) => {
    if (replica.process.exitCode !== null) resolve(replica.process.exitCode);
    else replica.process.once('close', (code) => resolve(code));
  });
}

describe('a databricks_sql statement tracked across service processes', () => {
  let backend: SqlBackend;
  let first: Replica;
  let second: Replica;
  const clients: ConnectorClient[] = [];

  beforeAll(async () => {
    if (!existsSync(PLUGIN) || !existsSync(CLI)) {
      throw new Error(
        'Build first: `npx tsc -b tsconfig.lib.json` in packages/core and packages/connector-databricks.',
      );
    }
    backend = new SqlBackend();
    backend.tokens.add(SQL_SERVER_TOKEN);
    backend.tokens.add(SQL_TENANT_TOKEN);
    await backend.start();
    first = startReplica(sqlServiceEnv(backend));
    second = startReplica(sqlServiceEnv(backend));
    [first.port, second.port] = await Promise.all([serving(first), serving(second)]);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const replica of [first, second]) {
      if (replica !== undefined && replica.process.exitCode === null) {
        replica.process.kill('SIGTERM');
        await exited(replica);
      }
    }
    await backend?.stop();
  });

  function client(replica: Replica, protocol: 'v1' | 'v2'): ConnectorClient {
    const created = createGrpcClient({ endpoint: `127.0.0.1:${replica.port}`, protocol });
    clients.push(created);
    return created;
  }

  it('creates through one process, reads and deletes through the other, across the first one’s shutdown', async () => {
    const viaFirst = client(first, 'v2');
    const viaSecond = client(second, 'v1');
    const task = await submitTask(
      viaFirst,
      sqlInput(sqlTask(), { day: '2026-11-21', n: 2n }, { databricks_token: SQL_TENANT_TOKEN }),
    );
    const meta = statementMetaOf(task.resourceMeta);

    // The second process never saw this statement: the handle in resource_meta is all it has.
    expect(phaseName(await viaSecond.get(task))).toBe('QUEUED');
    backend.set(meta.statementId, 'RUNNING_STATE');
    expect(phaseName(await viaSecond.get(task))).toBe('RUNNING');
    expect(phaseName(await viaFirst.get(task))).toBe('RUNNING');

    // A rolling restart: the first process stops. Its pooled session must stay open on the warehouse, or the
    // statement (run in that session) would be closed under the second process.
    first.process.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    expect(backend.sessions.get(meta.sessionId)?.open).toBe(true);
    expect(backend.closedStatements).not.toContain(meta.statementId);

    backend.set(meta.statementId, 'FINISHED_STATE');
    const done = await viaSecond.get(task);
    expect(phaseName(done)).toBe('SUCCEEDED');
    expect(done.customInfo).toMatchObject({
      statementId: meta.statementId,
      preview: { columns: ['id', 'name'] },
    });

    await viaSecond.delete(task);
    expect(backend.cancelledStatements).toContain(meta.statementId);
    expect(backend.closedStatements).toContain(meta.statementId);

    for (const replica of [first, second]) {
      expect(replica.stderr.join('')).not.toMatch(/network guard|non-loopback|ECONNREFUSED/i);
    }
  });
});
