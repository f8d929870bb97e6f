// "Try it without a Google Cloud account": runs demo/query-task.yaml through the real deployment path — the built
// `flyte-connect serve` with this connector, then `flyte-connect run` against it over Flyte 2's protocol — with a
// local BigQuery REST backend and OAuth token endpoint standing in for Google (everything on 127.0.0.1).
//   npm run demo -w @org/connector-bigquery     (after `npm run build` at the repository root)
// Jobs progress by themselves: PENDING for 1 s, RUNNING for 2 s, then DONE.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceProcess } from '@org/connector-core/testing';
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
const service = await startServiceProcess({ modules: [PLUGIN], env: childEnv });

let exitCode = 3;
try {
  const port = service.grpcPort;
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
  process.stderr.write(service.log.join(''));
} finally {
  // 5. Stop everything.
  await service.stop();
  await backend.close();
  rmSync(tempDir, { recursive: true, force: true });
}
process.exit(exitCode);
