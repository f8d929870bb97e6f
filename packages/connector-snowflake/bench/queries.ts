// Snowflake connector benchmark (issue 5). Prints figures; not a test. Run after `npm run build` at the root:
//   npm run bench -w @org/connector-snowflake   (BENCH_QUERIES=1000 BENCH_KEYS=4 BENCH_RESYNC_MS=1000 BENCH_SECONDS=20)
// "1,000 concurrent tracked queries at 10 polls/s" is read as the BigQuery bench reads its jobs: 1,000 queries, each
// re-polled every second by core's TaskEngine — an aggregate of ~1,000 GetTask/s (10 polls a second per query would
// be 10,000 GetTask/s, beyond a 2-core machine running the engine, the backend and the service). The queries belong
// to BENCH_KEYS tenants, each with its own key pair sent per request (Flyte 2 connection secrets, the key encrypted
// with a passphrase), so the connector's pool holds BENCH_KEYS entries. The service (`flyte-connect serve` with the
// built plugin) runs in its own process, pinned with taskset to the last core when available; the engine and the
// local Snowflake backend (test/support) share this process. Queries stay RUNNING for the whole run. Measured:
//   service CPU per GetTask   (utime+stime of the service in /proc/<pid>/stat) / GetTasks it answered
//                             (flyte_connector_requests_success_total{operation="get"} from its /metrics),
//                             over a steady window
//   service RSS               VmRSS at the end of the window (and VmHWM, the peak)
//   logins                    login-requests the backend accepted, in all and during the window: one per pool
//                             entry (tenant) is the target, not one per call
//   backend calls per Get     monitoring reads per GetTask; TCP connections opened during the window (keep-alive)
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createGrpcClient, inputsToLiterals, parseTaskFile, TaskEngine } from '@org/connector-core';
import { PACKAGE_DIR, requireBuilt, serveBuilt } from '../demo/serve.js';
import { encryptedKey } from '../test/support/keys.js';
import { SnowflakeBackend } from '../test/support/snowflake-backend.js';
import {
  clockTicksPerSecond,
  processCpuTicks,
  processMemory,
  submitUntilRunning,
} from '@org/connector-core/testing';

const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 1000);
const KEYS = Number(process.env['BENCH_KEYS'] ?? 4);
const RESYNC_MS = Number(process.env['BENCH_RESYNC_MS'] ?? 1000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 50);
const TASK_FILE = join(PACKAGE_DIR, 'demo/query-task.yaml');
const USER = 'FLYTE_DEMO'; // the user of demo/query-task.yaml
const PASSPHRASE = 'bench-passphrase';
const CLOCK_TICKS = clockTicksPerSecond();

requireBuilt((text) => process.stderr.write(`${text}\n`), '@org/connector-snowflake');

const backend = new SnowflakeBackend();
backend.initialStatus = 'RUNNING';
await backend.start();
const tenants = Array.from({ length: KEYS }, () => {
  const key = encryptedKey(PASSPHRASE);
  backend.registerUser(USER, key.publicKeyPem);
  return {
    secrets: { snowflake_private_key: key.privateKeyPem, snowflake_private_key_passphrase: PASSPHRASE },
    configs: {},
  };
});

const service = await serveBuilt({
  pin: true,
  env: {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    FLYTE_SNOWFLAKE_ACCESS_URL: backend.url,
    SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
  },
});
const pid = service.child.pid!;

const template = parseTaskFile(readFileSync(TASK_FILE), 'query-task.yaml').template;
const inputs = inputsToLiterals({ segment: 'BUILDING', limit: 10 }, template);
const client = createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol: 'v2' });
const engine = new TaskEngine({
  client,
  resyncMs: RESYNC_MS,
  workers: WORKERS,
  readQps: 1_000_000,
  readBurst: 10_000,
  writeQps: 1_000_000,
  writeBurst: 10_000,
  callTimeoutMs: 10_000,
});
// Set-up: every task RUNNING; a CreateTask that missed its deadline on a loaded machine is submitted again.
const { createRetries, seconds: setupSeconds } = await submitUntilRunning(engine, QUERIES, (i) =>
  engine.submit({ template, inputs, outputPrefix: '', connection: tenants[i % KEYS]! }),
);
await sleep(RESYNC_MS * 2); // let the poll schedule spread out

const before = await sample();
const benchCpuBefore = process.cpuUsage();
await sleep(SECONDS * 1000);
const benchCpu = process.cpuUsage(benchCpuBefore);
const after = await sample();
const { rssMb, hwmMb } = processMemory(pid);
const stats = engine.stats();

engine.close();
client.close();
await service.stop();
await backend.stop();

const wall = (after.at - before.at) / 1000;
const gets = after.metricGets - before.metricGets;
const cpuMs = ((after.ticks - before.ticks) / CLOCK_TICKS) * 1000;
const fmt = (n: number, d = 1) => n.toFixed(d);
const cores = availableParallelism();
const header =
  `Snowflake connector benchmark — ${QUERIES} queries RUNNING for ${KEYS} key pair(s), resync ${RESYNC_MS} ms ` +
  `(≈ ${fmt((QUERIES * 1000) / RESYNC_MS, 0)} GetTask/s), ${WORKERS} engine workers, ${SECONDS} s window, ` +
  `Flyte 2 gRPC, node ${process.version}, ${cores} cores, service ` +
  `${service.pinnedCore === undefined ? 'not pinned' : `pinned to core ${service.pinnedCore}`}`;
const rows = [
  ['measure', 'value', 'target'],
  [`set-up: ${QUERIES} CreateTask + first GetTask (s)`, fmt(setupSeconds, 2), ''],
  ['CreateTask submitted again after missing its deadline (set-up)', String(createRetries), '0'],
  ['GetTask/s answered by the service', fmt(gets / wall, 0), fmt((QUERIES * 1000) / RESYNC_MS, 0)],
  ['service CPU per GetTask (ms)', fmt(cpuMs / Math.max(1, gets), 3), '≤ 1'],
  ['service CPU (% of one core)', fmt((cpuMs / 1000 / wall) * 100, 0), ''],
  ['service RSS at the end (MB)', fmt(rssMb, 0), '≤ 150'],
  ['service peak RSS, VmHWM (MB)', fmt(hwmMb, 0), ''],
  ['logins in all', String(after.logins), `${KEYS} (one per pool entry)`],
  ['logins in the window', String(after.logins - before.logins), '0'],
  ['refused logins', String(after.failedLogins), '0'],
  [
    'backend monitoring reads per GetTask',
    fmt((after.monitoring - before.monitoring) / Math.max(1, gets), 3),
    '1',
  ],
  [
    'backend connections opened in the window',
    String(after.connections - before.connections),
    '0 (keep-alive)',
  ],
  ['backend connections opened in all', String(after.connections), ''],
  ['GetTask errors', String(stats.calls.getFailed), '0'],
  [
    'bench process CPU: engine + backend (% of one core)',
    fmt(((benchCpu.user + benchCpu.system) / 1e6 / wall) * 100, 0),
    '',
  ],
];
const table = rows.map((row) => `| ${row.join(' | ')} |`);
table.splice(1, 0, '|---|---|---|');
process.stdout.write(`\n${header}\n\n${table.join('\n')}\n`);
process.exit(0);

// ------------------------------------------------------------------------------------------------ helpers

interface Sample {
  readonly at: number;
  readonly ticks: number;
  readonly metricGets: number;
  readonly monitoring: number;
  readonly logins: number;
  readonly failedLogins: number;
  readonly connections: number;
}

async function sample(): Promise<Sample> {
  const metrics = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('flyte_connector_requests_success_total{') && l.includes('operation="get"'));
  let monitoring = 0;
  for (const request of backend.requests) {
    if (request.method === 'GET' && request.path.startsWith('/monitoring/queries/')) monitoring += 1;
  }
  return {
    at: performance.now(),
    ticks: processCpuTicks(pid),
    metricGets: Number(line?.split(' ').at(-1) ?? NaN),
    monitoring,
    logins: backend.logins,
    failedLogins: backend.failedLogins,
    connections: backend.connections,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
