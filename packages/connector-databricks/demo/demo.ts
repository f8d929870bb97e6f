// "Try it without a Databricks workspace": runs the databricks_sql task of test/fixtures/databricks-sql-task.json
// through the real deployment path — the built `flyte-connect serve` with this package's plugin, then
// `flyte-connect run` against it over Flyte 2's protocol — with the local HiveServer2-over-HTTPS warehouse of the
// tests standing in for Databricks (everything on 127.0.0.1, its self-signed CA trusted by the service).
//   npm run demo -w @org/connector-databricks     (after `npm run build` at the repository root)
// Statements progress by themselves: PENDING for 1 s, RUNNING for 2 s, then FINISHED.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceProcess } from '@org/connector-core/testing';
import { SqlBackend } from '../test/support/sql-backend.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PLUGIN = join(PACKAGE_DIR, 'dist/plugin.js');
const CLI = join(PACKAGE_DIR, '../core/dist/cli/main.js');
const TASK_FIXTURE = join(PACKAGE_DIR, 'test/fixtures/databricks-sql-task.json');
const TOKEN = 'dapi-demo-token-0000';
const PENDING_MS = Number(process.env['DEMO_PENDING_MS'] ?? 1000);
const RUNNING_MS = Number(process.env['DEMO_RUNNING_MS'] ?? 2000);

const say = (text: string) => process.stderr.write(`[demo] ${text}\n`);

if (!existsSync(PLUGIN) || !existsSync(CLI)) {
  say('the connector or core is not built:');
  if (!existsSync(CLI)) say(`  missing ${CLI}`);
  if (!existsSync(PLUGIN)) say(`  missing ${PLUGIN}`);
  say(
    'run `npm run build` at the repository root first, then `npm run demo -w @org/connector-databricks` again.',
  );
  process.exit(2);
}

// 1. The local warehouse, with statements that move on by the clock and a few rows of result.
const backend = new SqlBackend({ progress: { pendingMs: PENDING_MS, runningMs: RUNNING_MS } });
backend.tokens.add(TOKEN);
backend.result = {
  columns: [
    { name: 'customer_id', type: 'BIGINT' },
    { name: 'total', type: 'DOUBLE' },
  ],
  rows: [
    [1042, 18250.5],
    [7, 12990],
    [311, 10400.25],
  ],
};
await backend.start();
say(
  `local SQL warehouse (HiveServer2 Thrift over HTTPS) on https://${backend.hostname} ` +
    `(statements: PENDING ${PENDING_MS} ms, RUNNING ${RUNNING_MS} ms, FINISHED)`,
);

// 2. The task file, naming the local warehouse.
const tempDir = mkdtempSync(join(tmpdir(), 'databricks-sql-demo-'));
const taskFile = join(tempDir, 'task.json');
writeFileSync(taskFile, readFileSync(TASK_FIXTURE, 'utf8').replace('SERVER_HOSTNAME', backend.hostname));

const childEnv: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  HOME: process.env['HOME'],
  FLYTE_DATABRICKS_CA_CERT: backend.caCert,
};

// 3. The connector service, as deployed: core's CLI loading the built plugin.
const service = await startServiceProcess({ modules: [PLUGIN], env: childEnv });

let exitCode = 3;
try {
  const port = service.grpcPort;
  say(`connector service (flyte-connect serve) on 127.0.0.1:${port}`);
  const args = [
    'run',
    taskFile,
    '--endpoint',
    `127.0.0.1:${port}`,
    '--protocol',
    'v2',
    '--inputs',
    '{"region": "EMEA", "min_total": 1000, "top": 20}',
  ];
  say(`flyte-connect ${args.join(' ')}\n`);
  // 4. The task run, on this terminal: progress line, log link, then the outputs.
  // The task's custom.secrets names DATABRICKS_TOKEN as the variable of its databricks_token secret (flyte-sdk's
  // convention); the run sends it as a Flyte 2 connection secret.
  const run = spawn(process.execPath, [CLI, ...args], {
    env: { ...childEnv, DATABRICKS_TOKEN: TOKEN },
    stdio: 'inherit',
  });
  exitCode = await new Promise<number>((resolve) => {
    run.once('close', (code, signal) => resolve(code ?? (signal === null ? 3 : 130)));
  });
  process.stderr.write('\n');
  const statement = backend.createdStatements.at(-1);
  say(
    `run exited with ${exitCode}; the warehouse saw ${backend.calls.length} Thrift calls ` +
      `(${backend.logged('OpenSession').length} OpenSession, ${backend.logged('ExecuteStatement').length} ExecuteStatement, ` +
      `${backend.logged('GetOperationStatus').length} GetOperationStatus, ${backend.logged('FetchResults').length} FetchResults, ` +
      `${backend.logged('CloseOperation').length} CloseOperation) on ${backend.connections} connection(s); ` +
      `statement ${statement ?? 'none'}`,
  );
  const executed = statement === undefined ? undefined : backend.statements.get(statement);
  if (executed !== undefined) {
    say(`statement text: ${executed.text.replace(/\s+/g, ' ')}`);
    say(`parameters: ${executed.parameters.map((p) => `${p.name} ${p.type} = ${p.value}`).join(', ')}`);
  }
} catch (error) {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.stderr.write(service.log.join(''));
} finally {
  // 5. Stop everything.
  await service.stop();
  await backend.stop();
  rmSync(tempDir, { recursive: true, force: true });
}
process.exit(exitCode);
