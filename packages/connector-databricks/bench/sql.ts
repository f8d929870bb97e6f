// Databricks SQL connector benchmark (issue 6). Prints figures; not a test. Run after `npm run build` at the root:
//   npm run bench -w @org/connector-databricks   (BENCH_RUNS=1000 BENCH_RESYNC_MS=1000 BENCH_SECONDS=20)
// "1,000 concurrent tracked runs at 10 polls/s: CPU per Get, RSS, and sockets opened (target: connections reused)".
// Read as BigQuery's bench reads it: 1,000 databricks_sql statements, each re-polled every second by core's
// TaskEngine (~1,000 GetTask/s in all; 10 polls/s per run would be 10,000 GetTask/s, beyond a 2-core machine running
// the engine, the warehouse and the service). BENCH_RESYNC_MS=100 asks for that. The service (`flyte-connect serve`
// with the built plugin) runs in its own process, pinned with taskset to the last core when available; the engine
// and the local warehouse share this process. Statements stay RUNNING for the whole run. Over a steady window:
//   service CPU per GetTask   (utime+stime of the service in /proc/<pid>/stat) / GetTasks it answered
//                             (flyte_connector_requests_success_total{operation="get"} from its /metrics)
//   service RSS               VmRSS at the end of the window (and VmHWM, the peak)
//   warehouse calls per Get   GetOperationStatus calls the warehouse received per GetTask
//   sessions, connections     OpenSession calls in all; TLS connections the warehouse accepted, in the window and in all
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGrpcClient, inputsToLiterals, parseTaskFile, TaskEngine } from '@org/connector-core';
import {
  clockTicksPerSecond,
  processCpuTicks,
  processMemory,
  startServiceProcess,
} from '@org/connector-core/testing';
import { SqlBackend } from '../test/support/sql-backend.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 1000);
const RESYNC_MS = Number(process.env['BENCH_RESYNC_MS'] ?? 1000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 50);
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PLUGIN = join(PACKAGE_DIR, 'dist/plugin.js');
const CLI = join(PACKAGE_DIR, '../core/dist/cli/main.js');
const TASK_FIXTURE = join(PACKAGE_DIR, 'test/fixtures/databricks-sql-task.json');
const TOKEN = 'dapi-bench-token-0000';
const CLOCK_TICKS = clockTicksPerSecond();

if (!existsSync(PLUGIN) || !existsSync(CLI)) {
  process.stderr.write('Build first: `npm run build` at the repository root (core and the connector).\n');
  process.exit(2);
}

const backend = new SqlBackend({ progress: { pendingMs: 0, runningMs: Number.POSITIVE_INFINITY } });
backend.tokens.add(TOKEN);
await backend.start();

// The service, pinned to the last core when taskset exists (its pid is the service's either way).
const service = await startServiceProcess({
  modules: [PLUGIN],
  env: { PATH: process.env['PATH'], HOME: process.env['HOME'], FLYTE_DATABRICKS_CA_CERT: backend.caCert },
  pin: true,
});
// A failed run must not leave the service behind.
process.once('exit', () => service.child.kill('SIGTERM'));
const { grpcPort, metricsPort } = service;

const taskText = readFileSync(TASK_FIXTURE, 'utf8').replace('SERVER_HOSTNAME', backend.hostname);
const template = parseTaskFile(new TextEncoder().encode(taskText), 'task.json').template;
const inputs = inputsToLiterals({ region: 'EMEA', min_total: 1000, top: 20n }, template);
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
const failures = new Map<string, number>();
engine.on('done', (_task, final) => {
  if (final.phase !== 'SUCCEEDED') failures.set(final.message, (failures.get(final.message) ?? 0) + 1);
});
const connection = { secrets: { databricks_token: TOKEN }, configs: {} };
const setupStart = performance.now();
for (let i = 0; i < RUNS; i += 1) engine.submit({ template, inputs, outputPrefix: '', connection });
while ((engine.stats().byPhase.RUNNING ?? 0) < RUNS) {
  const stats = engine.stats();
  if (stats.calls.createFailed > 0 || stats.calls.getFailed > 0) {
    await sleep(100); // let the done events arrive
    const reasons = [...failures].slice(0, 3).map(([message, count]) => `${count}× ${message}`);
    throw new Error(`set-up failed: ${JSON.stringify(stats.calls)}; first reasons: ${reasons.join(' | ')}`);
  }
  await sleep(20);
}
const setupSeconds = (performance.now() - setupStart) / 1000;
await sleep(RESYNC_MS * 2); // let the poll schedule spread out

const before = await sample();
const benchCpuBefore = process.cpuUsage();
await sleep(SECONDS * 1000);
const benchCpu = process.cpuUsage(benchCpuBefore);
const after = await sample();
const { rssMb, hwmMb } = processMemory(service.child.pid!);
const stats = engine.stats();

engine.close();
client.close();
await service.stop();
await backend.stop();

const wall = (after.at - before.at) / 1000;
const gets = after.metricGets - before.metricGets;
const cpuMs = ((after.ticks - before.ticks) / CLOCK_TICKS) * 1000;
const fmt = (n: number, d = 1) => n.toFixed(d);
const header =
  `Databricks SQL connector benchmark — ${RUNS} statements RUNNING, resync ${RESYNC_MS} ms (≈ ` +
  `${fmt((RUNS * 1000) / RESYNC_MS, 0)} GetTask/s), ${WORKERS} engine workers, ${SECONDS} s window, Flyte 2 gRPC, ` +
  `node ${process.version}, ${availableParallelism()} cores, service ${service.pinnedCore === undefined ? 'not pinned' : `pinned to core ${service.pinnedCore}`}`;
const rows = [
  ['measure', 'value', 'target'],
  [`set-up: ${RUNS} CreateTask + first GetTask (s)`, fmt(setupSeconds, 2), ''],
  ['GetTask/s answered by the service', fmt(gets / wall, 0), fmt((RUNS * 1000) / RESYNC_MS, 0)],
  ['service CPU per GetTask (ms)', fmt(cpuMs / Math.max(1, gets), 3), '≤ 1'],
  ['service CPU (% of one core)', fmt((cpuMs / 1000 / wall) * 100, 0), ''],
  ['service RSS at the end (MB)', fmt(rssMb, 0), '≤ 150'],
  ['service peak RSS, VmHWM (MB)', fmt(hwmMb, 0), ''],
  [
    'warehouse GetOperationStatus per GetTask',
    fmt((after.statusCalls - before.statusCalls) / Math.max(1, gets), 3),
    '1',
  ],
  ['warehouse OpenSession calls in all', String(after.openSessions), '1 (pooled session)'],
  [
    'warehouse connections opened in the window',
    String(after.connections - before.connections),
    '0 (keep-alive)',
  ],
  ['warehouse connections opened in all', String(after.connections), ''],
  ['GetTask errors', String(stats.calls.getFailed), '0'],
  [
    'bench process CPU: engine + warehouse (% of one core)',
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
  readonly statusCalls: number;
  readonly openSessions: number;
  readonly connections: number;
}

async function sample(): Promise<Sample> {
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('flyte_connector_requests_success_total{') && l.includes('operation="get"'));
  return {
    at: performance.now(),
    ticks: processCpuTicks(service.child.pid!),
    metricGets: Number(line?.split(' ').at(-1) ?? NaN),
    statusCalls: backend.logged('GetOperationStatus').length,
    openSessions: backend.logged('OpenSession').length,
    connections: backend.connections,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
