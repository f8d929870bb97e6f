// The deployment path: the built `flyte-connect` CLI of core, in its own process, loads the built plugin module
// (dist/plugin.js, the module package.json declares under "flyte.connectors") and serves BigQuery tasks. The child
// runs with the network guard preloaded, so a connection off loopback shows on its stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGrpcClient } from '@org/connector-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryBackend } from './backend/bigquery-backend.js';
import { makeServiceAccount, type TestServiceAccount } from './backend/service-account.js';
import { literals, types } from './support/flyte.js';
import { datasetOutput, GCP_PROJECT, phaseOf, pollToEnd, submit } from './support/service.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PLUGIN = join(PACKAGE_DIR, 'dist/plugin.js');
// Installs core's loopback-only guard in the child; violations are reported on stderr.
const GUARD = '@org/connector-core/testing/network-guard';
const CLI = join(
  dirname(createRequire(import.meta.url).resolve('@org/connector-core/package.json')),
  'dist/cli/main.js',
);

interface Child {
  readonly process: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', GUARD, CLI, ...args], {
    cwd: PACKAGE_DIR,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      METADATA_SERVER_DETECTION: 'none',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result: Child = { process: child, stdout: [], stderr: [] };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => result.stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => result.stderr.push(chunk));
  return result;
}

function exited(child: Child): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null) resolve(child.process.exitCode);
    else child.process.once('close', (code) => resolve(code));
  });
}

/** Resolves with the `serving` log line's fields once the service printed it. */
function serving(child: Child, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no serving line:\n${child.stdout.join('')}\n${child.stderr.join('')}`)),
      timeoutMs,
    );
    const check = () => {
      for (const line of child.stdout.join('').split('\n')) {
        if (!line.startsWith('{')) continue;
        const json = JSON.parse(line) as Record<string, unknown>;
        if (json['event'] === 'serving') {
          clearTimeout(timer);
          resolve(json);
          return;
        }
      }
    };
    child.process.stdout!.on('data', check);
    child.process.once('close', () =>
      reject(new Error(`exited:\n${child.stdout.join('')}\n${child.stderr.join('')}`)),
    );
  });
}

describe('the built plugin in the flyte-connect CLI', () => {
  let backend: BigQueryBackend;
  let account: TestServiceAccount;
  let service: Child;
  let port: number;
  let startupMs: number;

  beforeAll(async () => {
    if (!existsSync(PLUGIN) || !existsSync(CLI)) {
      throw new Error(
        'Build first: `npx tsc -b tsconfig.lib.json` in packages/core and packages/connector-bigquery.',
      );
    }
    backend = await BigQueryBackend.start();
    account = await makeServiceAccount({ name: 'cli', projectId: GCP_PROJECT, tokenUri: backend.tokenUri });
    backend.registerServiceAccount(account.email, account.publicKey);
    const started = performance.now();
    service = run(
      [
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
        '/nonexistent/bq-cli-secrets',
      ],
      { FLYTE_BIGQUERY_ENDPOINT: backend.url, _FSEC_GOOGLE_APPLICATION_CREDENTIALS: account.json },
    );
    port = (await serving(service))['grpcPort'] as number;
    startupMs = performance.now() - started;
  });

  afterAll(async () => {
    if (service !== undefined && service.process.exitCode === null) {
      service.process.kill('SIGTERM');
      await exited(service);
    }
    await backend?.close();
  });

  it('serves bigquery_query_job_task in both protocol families', async () => {
    const logs = service.stdout.join('');
    expect(logs).toContain('bigquery_query_job_task');
    for (const protocol of ['v1', 'v2'] as const) {
      const client = createGrpcClient({ endpoint: `127.0.0.1:${port}`, protocol });
      try {
        const listed = await client.list();
        expect(listed.find((c) => c.name === 'BigQuery Connector')?.categories).toEqual([
          { name: 'bigquery_query_job_task', version: 0 },
        ]);
        const task = await submit(
          client,
          {
            sql: 'SELECT @n',
            custom: { ProjectID: GCP_PROJECT, Location: 'US' },
            inputs: { n: types.simple('INTEGER') },
            outputs: { results: types.dataset() },
          },
          { inputs: { n: literals.int(1n) } },
        );
        const resource = await pollToEnd(client, task);
        expect(phaseOf(resource)).toBe('SUCCEEDED');
        expect(datasetOutput(resource, 'results')).toMatch(/^bq:\/\/test-project:/);
      } finally {
        client.close();
      }
    }
    expect(service.stderr.join('')).not.toContain('NETWORK GUARD VIOLATION');
    console.info(`flyte-connect with the BigQuery plugin: serving after ${startupMs.toFixed(0)} ms`);
  });

  it('is listed with its parameters and their sources by `flyte-connect list`', async () => {
    const list = run(['list', '--json', '--no-discover', '--modules', PLUGIN], {});
    expect(await exited(list)).toBe(0);
    const text = list.stdout.join('');
    for (const name of [
      'project',
      'location',
      'google_application_credentials',
      'api_endpoint',
      'request_timeout_ms',
      'max_retries',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('FLYTE_BIGQUERY_ENDPOINT');
  });

  it('stops cleanly on SIGTERM', async () => {
    service.process.kill('SIGTERM');
    expect(await exited(service)).toBe(0);
  });
});

describe('start-up cost', () => {
  it('loading the plugin and creating its connector does not load the BigQuery SDK', async () => {
    const script = [
      `const plugin = (await import(${JSON.stringify(PLUGIN)})).default;`,
      'const [connector] = plugin.connectors({ env: {} });',
      'await connector.open({ env: {}, logger: console, serverSecret: async () => undefined });',
      "const { createRequire } = await import('node:module');",
      'const cache = Object.keys(createRequire(import.meta.url).cache);',
      "console.log(JSON.stringify({ name: connector.name, sdkLoaded: cache.some((path) => path.includes('@google-cloud/bigquery')) }));",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env['PATH'] },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    await new Promise((resolve) => child.once('close', resolve));
    expect(JSON.parse(stdout)).toEqual({ name: 'BigQuery Connector', sdkLoaded: false });
  });
});

describe('the network guard of child processes', () => {
  it('refuses and reports a connection off loopback', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        GUARD,
        '-e',
        "require('node:net').connect(443, '203.0.113.7').on('error', (e) => { console.log(e.code); })",
      ],
      {
        env: { PATH: process.env['PATH'] },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).toContain('NETWORK GUARD VIOLATION: connection to 203.0.113.7:443');
    expect(stdout.trim()).toBe('ECONNREFUSED');
  });
});
