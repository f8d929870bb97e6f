// "Try it without a Google Cloud account": runs demo/query-task.yaml through the real deployment path — the built
// `flyte-connect serve` with this connector, then `flyte-connect run` against it over Flyte 2's protocol — with a
// local BigQuery REST backend and OAuth token endpoint standing in for Google (everything on 127.0.0.1).
//   npm run demo -w @org/connector-bigquery     (after `npm run build` at the repository root)
// Jobs progress by themselves: PENDING for 1 s, RUNNING for 2 s, then DONE.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BigQueryBackend } from '../test/backend/bigquery-backend.js';
import { makeServiceAccount } from '../test/backend/service-account.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PLUGIN = join(PACKAGE_DIR, 'dist/plugin.js');
const CLI = join(PACKAGE_DIR, '../core/dist/cli/main.js');
const TASK_FILE = join(PACKAGE_DIR, 'demo/query-task.yaml');
const PROJECT = 'demo-project';
const PENDING_MS = Number(process.env['DEMO_PENDING_MS'] ?? 1000);
const RUNNING_MS = Number(process.env['DEMO_RUNNING_MS'] ?? 2000);

const say = (text: string) => process.stderr.write(`[demo] ${text}\n`);

if (!existsSync(PLUGIN) || !existsSync(CLI)) {
  say('the connector or core is not built:');
  if (!existsSync(CLI)) say(`  missing ${CLI}`);
  if (!existsSync(PLUGIN)) say(`  missing ${PLUGIN}`);
  say(
    'run `npm run build` at the repository root first, then `npm run demo -w @org/connector-bigquery` again.',
  );
  process.exit(2);
}

// 1. The local BigQuery backend, with jobs that move on by the clock.
const backend = await BigQueryBackend.start({
  plan: { mode: 'auto', pendingMs: PENDING_MS, runningMs: RUNNING_MS },
});
say(
  `local BigQuery backend on ${backend.url} (jobs: PENDING ${PENDING_MS} ms, RUNNING ${RUNNING_MS} ms, DONE)`,
);

// 2. A demo service account: a fresh RSA key whose key file sends token requests to the local token endpoint.
const account = await makeServiceAccount({
  name: 'flyte-demo',
  projectId: PROJECT,
  tokenUri: backend.tokenUri,
});
backend.registerServiceAccount(account.email, account.publicKey);
const tempDir = mkdtempSync(join(tmpdir(), 'bq-demo-'));
const keyFile = join(tempDir, 'service-account.json');
writeFileSync(keyFile, account.json, { mode: 0o600 });
say(`demo service-account key (${account.email}) in ${keyFile}`);

const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  FLYTE_BIGQUERY_ENDPOINT: backend.url,
  // Keeps google-auth-library from probing the GCE metadata server.
  METADATA_SERVER_DETECTION: 'none',
};
delete childEnv['GOOGLE_APPLICATION_CREDENTIALS'];
delete childEnv['BIGQUERY_EMULATOR_HOST'];

// 3. The connector service, as deployed: core's CLI loading the built plugin.
const serviceLog: string[] = [];
const service = spawn(
  process.execPath,
  [
    CLI,
    'serve',
    '--port',
    '0',
    '--prometheus-port',
    '0',
    '--host',
    '127.0.0.1',
    '--no-discover',
    '--modules',
    PLUGIN,
    '--secrets-dir',
    join(tempDir, 'no-server-secrets'),
  ],
  { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
);
service.stderr.setEncoding('utf8').on('data', (chunk: string) => serviceLog.push(chunk));

let exitCode = 3;
try {
  const port = await servingPort(service, serviceLog);
  say(`connector service (flyte-connect serve) on 127.0.0.1:${port}`);
  const args = [
    'run',
    TASK_FILE,
    '--endpoint',
    `127.0.0.1:${port}`,
    '--protocol',
    'v2',
    '--inputs',
    '{"limit": 10}',
    '--secret-file',
    `google_application_credentials=${keyFile}`,
  ];
  say(`flyte-connect ${args.join(' ')}\n`);
  // 4. The task run, on this terminal: progress line, log link, then the outputs.
  const run = spawn(process.execPath, [CLI, ...args], { env: childEnv, stdio: 'inherit' });
  exitCode = await new Promise<number>((resolve) => {
    run.once('close', (code, signal) => resolve(code ?? (signal === null ? 3 : 130)));
  });
  const jobs = backend.jobs();
  process.stderr.write('\n');
  say(
    `run exited with ${exitCode}; the backend saw ${backend.requests.length} requests ` +
      `(${backend.requestsFor('jobs.insert').length} jobs.insert, ${backend.requestsFor('jobs.get').length} jobs.get, ` +
      `${backend.requestsFor('token').length} token) on ${backend.connections} connection(s); ` +
      `jobs: ${jobs.map((job) => `${job.jobId} ${job.state}`).join(', ') || 'none'}`,
  );
} catch (error) {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  if (serviceLog.length > 0) process.stderr.write(serviceLog.join(''));
} finally {
  // 5. Stop everything.
  if (service.exitCode === null) {
    const closed = new Promise((resolve) => service.once('close', resolve));
    service.kill('SIGTERM');
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (service.exitCode === null) service.kill('SIGKILL');
  }
  await backend.close();
  rmSync(tempDir, { recursive: true, force: true });
}
process.exit(exitCode);

/** The gRPC port from the service's `serving` log line (JSON on stdout). */
async function servingPort(child: ChildProcess, log: string[]): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGTERM'), 20_000);
  try {
    for await (const line of lines) {
      log.push(`${line}\n`);
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as { event?: string; grpcPort?: number };
      if (event.event === 'serving' && typeof event.grpcPort === 'number') {
        // Keep draining stdout so the service never blocks on a full pipe.
        lines.on('line', (more) => log.push(`${more}\n`));
        return event.grpcPort;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error('the connector service exited before serving');
}
