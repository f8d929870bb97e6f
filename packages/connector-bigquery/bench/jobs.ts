// BigQuery connector benchmark (issue 4). Prints figures; not a test. Run after `npm run build` at the root:
//   npm run bench -w @org/connector-bigquery   (BENCH_JOBS=1000 BENCH_RESYNC_MS=1000 BENCH_SECONDS=20)
// "Track 1,000 concurrent BigQuery jobs through the client engine against the local backend at 10 polls/s":
// read here as 1,000 jobs, each re-polled every second by core's TaskEngine — an aggregate of ~1,000 GetTask/s
// (1,000 jobs polled 10 times a second each would be 10,000 GetTask/s, beyond a 2-core machine running the
// engine, the backend and the service). The service (`flyte-connect serve` with the built plugin) runs in its
// own process, pinned with taskset to the last core when available; the engine and the local BigQuery backend
// share this process. Jobs stay RUNNING for the whole run. Measured over a steady window:
//   service CPU per GetTask   (utime+stime of the service in /proc/<pid>/stat) / GetTasks it answered
//                             (flyte_connector_requests_success_total{operation="get"} from its /metrics)
//   service RSS               VmRSS at the end of the window (and VmHWM, the peak)
//   backend calls per Get     jobs.get and token requests the backend received per GetTask
//   connections               TCP connections the backend accepted during the window (keep-alive check)
// BENCH_SERVICE_MEMORY_LIMIT_MIB runs the service in a memory cgroup of that size (Linux, root), as the Helm chart's
// pod runs (its default limit is 512 MiB): Node sizes V8's heap from the limit.
// BENCH_SERVICE_NODE_OPTIONS is handed to the service as NODE_OPTIONS, e.g. to profile it:
//   BENCH_SERVICE_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/bq-prof' npm run bench -w @org/connector-bigquery
// (the profile is written when the service exits after the window; the bench waits for that).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGrpcClient, inputsToLiterals, parseTaskFile, TaskEngine } from '@org/connector-core';
import { BigQueryBackend } from '../test/backend/bigquery-backend.js';
import { makeServiceAccount } from '../test/backend/service-account.js';
import { inMemoryCgroup } from './memory-limit.js';
import {
  clockTicksPerSecond,
  processCpuTicks,
  processMemory,
  submitUntilRunning,
} from '@org/connector-core/testing';

const JOBS = Number(process.env['BENCH_JOBS'] ?? 1000);
const RESYNC_MS = Number(process.env['BENCH_RESYNC_MS'] ?? 1000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 50);
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
// BENCH_PLUGIN serves another build of the plugin (e.g. the previous version's) to compare before and after.
const PLUGIN = process.env['BENCH_PLUGIN'] ?? join(PACKAGE_DIR, 'dist/plugin.js');
const CLI = join(PACKAGE_DIR, '../core/dist/cli/main.js');
const TASK_FILE = join(PACKAGE_DIR, 'demo/query-task.yaml');
const PROJECT = 'demo-project';
const CLOCK_TICKS = clockTicksPerSecond();

if (!existsSync(PLUGIN) || !existsSync(CLI)) {
  process.stderr.write('Build first: `npm run build` at the repository root (core and the connector).\n');
  process.exit(2);
}

const backend = await BigQueryBackend.start({ plan: { mode: 'auto', pendingMs: 0, runningMs: 3_600_000 } });
const account = await makeServiceAccount({ name: 'bench', projectId: PROJECT, tokenUri: backend.tokenUri });
backend.registerServiceAccount(account.email, account.publicKey);

// The service, pinned to the last core when taskset exists (taskset execs node: the pid is the service's).
const cores = availableParallelism();
const pinned = cores > 1 && spawnSync('taskset', ['-V']).status === 0;
const serviceArgs = [
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
  '/nonexistent/bq-bench-secrets',
];
const nodeArgv = pinned
  ? ['taskset', '-c', String(cores - 1), process.execPath, ...serviceArgs]
  : [process.execPath, ...serviceArgs];
const memoryLimitMib = process.env['BENCH_SERVICE_MEMORY_LIMIT_MIB'];
const serviceArgv =
  memoryLimitMib === undefined
    ? nodeArgv
    : inMemoryCgroup(Number(memoryLimitMib), 'flyte-bigquery-bench', nodeArgv);
const service = spawn(serviceArgv[0]!, serviceArgv.slice(1), serviceOptions());
// A bench that fails (e.g. set-up refused) must not leave the service running behind it.
process.once('exit', () => {
  if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
});
const { grpcPort, metricsPort } = await serving(service);

const template = parseTaskFile(readFileSync(TASK_FILE), 'query-task.yaml').template;
const inputs = inputsToLiterals({ limit: 10 }, template);
const client = createGrpcClient({ endpoint: `127.0.0.1:${grpcPort}`, protocol: 'v2' });
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
const connection = { secrets: { google_application_credentials: account.json }, configs: {} };
// Set-up: every task RUNNING; a CreateTask that missed its deadline on a loaded machine is submitted again.
const { createRetries, seconds: setupSeconds } = await submitUntilRunning(engine, JOBS, () =>
  engine.submit({ template, inputs, outputPrefix: '', connection }),
);
await sleep(RESYNC_MS * 2); // let the poll schedule spread out

const before = await sample();
const benchCpuBefore = process.cpuUsage();
await sleep(SECONDS * 1000);
const benchCpu = process.cpuUsage(benchCpuBefore);
const after = await sample();
const { rssMb, hwmMb } = processMemory(service.pid!);
const stats = engine.stats();

engine.close();
client.close();
const exited = new Promise<void>((resolve) => service.once('exit', () => resolve()));
service.kill('SIGTERM');
// Wait for the service to drain and exit, so that a --cpu-prof profile is complete when the bench returns.
await Promise.race([exited, sleep(15_000)]);
await backend.close();

const wall = (after.at - before.at) / 1000;
const gets = after.metricGets - before.metricGets;
const cpuMs = ((after.ticks - before.ticks) / CLOCK_TICKS) * 1000;
const figures = {
  jobs: JOBS,
  setupSeconds,
  getsPerSecond: gets / wall,
  cpuMsPerGet: cpuMs / Math.max(1, gets),
  cpuPercent: (cpuMs / 1000 / wall) * 100,
  rssMb,
  hwmMb,
  jobsGetPerGet: (after.jobsGet - before.jobsGet) / Math.max(1, gets),
  tokenRequests: after.tokens - before.tokens,
  connectionsInWindow: after.connections - before.connections,
  connectionsTotal: after.connections,
  engineGetsPerSecond: (after.engineGets - before.engineGets) / wall,
  getFailed: stats.calls.getFailed,
  benchCpuPercent: ((benchCpu.user + benchCpu.system) / 1e6 / wall) * 100,
};
const fmt = (n: number, d = 1) => n.toFixed(d);
const header =
  `BigQuery connector benchmark — ${JOBS} jobs RUNNING, resync ${RESYNC_MS} ms (≈ ${fmt((JOBS * 1000) / RESYNC_MS, 0)} ` +
  `GetTask/s), ${WORKERS} engine workers, ${SECONDS} s window, Flyte 2 gRPC, node ${process.version}, ` +
  `${cores} cores, service ${pinned ? `pinned to core ${cores - 1}` : 'not pinned'}` +
  (memoryLimitMib === undefined ? '' : ` in a ${memoryLimitMib} MiB memory cgroup`);
const rows = [
  ['measure', 'value', 'target'],
  [`set-up: ${JOBS} CreateTask + first GetTask (s)`, fmt(figures.setupSeconds, 2), ''],
  ['CreateTask submitted again after missing its deadline (set-up)', String(createRetries), '0'],
  [
    'GetTask/s answered by the service',
    fmt(figures.getsPerSecond, 0),
    `${fmt((JOBS * 1000) / RESYNC_MS, 0)}`,
  ],
  ['service CPU per GetTask (ms)', fmt(figures.cpuMsPerGet, 3), '≤ 1'],
  ['service CPU (% of one core)', fmt(figures.cpuPercent, 0), ''],
  ['service RSS at the end (MB)', fmt(figures.rssMb, 0), '≤ 150'],
  ['service peak RSS, VmHWM (MB)', fmt(figures.hwmMb, 0), ''],
  ['backend jobs.get per GetTask', fmt(figures.jobsGetPerGet, 3), '1'],
  ['token requests in the window', String(figures.tokenRequests), '0'],
  ['backend connections opened in the window', String(figures.connectionsInWindow), '0 (keep-alive)'],
  ['backend connections opened in all', String(figures.connectionsTotal), ''],
  ['GetTask errors', String(figures.getFailed), '0'],
  ['bench process CPU: engine + backend (% of one core)', fmt(figures.benchCpuPercent, 0), ''],
];
const table = rows.map((row) => `| ${row.join(' | ')} |`);
table.splice(1, 0, '|---|---|---|');
process.stdout.write(`\n${header}\n\n${table.join('\n')}\n`);
process.exit(0);

// ------------------------------------------------------------------------------------------------ helpers

function serviceOptions() {
  return {
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      FLYTE_BIGQUERY_ENDPOINT: backend.url,
      METADATA_SERVER_DETECTION: 'none',
      ...(process.env['BENCH_SERVICE_NODE_OPTIONS'] === undefined
        ? {}
        : { NODE_OPTIONS: process.env['BENCH_SERVICE_NODE_OPTIONS'] }),
    },
    stdio: ['ignore', 'pipe', 'inherit'] as ['ignore', 'pipe', 'inherit'],
  };
}

async function serving(child: ChildProcess): Promise<{ grpcPort: number; metricsPort: number }> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { event?: string; grpcPort?: number; metricsPort?: number };
    if (event.event === 'serving' && event.grpcPort !== undefined && event.metricsPort !== undefined) {
      lines.on('line', () => undefined); // keep draining the service's log
      return { grpcPort: event.grpcPort, metricsPort: event.metricsPort };
    }
  }
  throw new Error('the service exited before serving');
}

interface Sample {
  readonly at: number;
  readonly ticks: number;
  readonly metricGets: number;
  readonly engineGets: number;
  readonly jobsGet: number;
  readonly tokens: number;
  readonly connections: number;
}

async function sample(): Promise<Sample> {
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('flyte_connector_requests_success_total{') && l.includes('operation="get"'));
  let jobsGet = 0;
  let tokens = 0;
  for (const request of backend.requests) {
    if (request.op === 'jobs.get') jobsGet += 1;
    else if (request.op === 'token') tokens += 1;
  }
  return {
    at: performance.now(),
    ticks: processCpuTicks(service.pid!),
    metricGets: Number(line?.split(' ').at(-1) ?? NaN),
    engineGets: engine.stats().calls.get,
    jobsGet,
    tokens,
    connections: backend.connections,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
