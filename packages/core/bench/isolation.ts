// What --isolate costs. Prints figures; not a test. Run: `npm run bench:isolation -w @org/connector-core`.
// The same Flyte 2 GetTask load against the trivial connector of the GetTask benchmark, served in-process and with
// the connector module in a worker thread (--isolate): throughput at saturation, p50/p99 at a fixed rate, service
// CPU per call and RSS. Service pinned to the last core, load generator to core 0 (when taskset exists), so that
// the worker thread competes with the main thread for one core, as in a pod with a one-CPU limit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Client, credentials } from '@grpc/grpc-js';
import {
  CreateTaskRequestSchema,
  CreateTaskResponseSchema,
  GetTaskRequestSchema,
  GetTaskResponseSchema,
} from '../dist/lib/gen/v2/flyteidl2/connector/connector_pb.js';
import { call, fixedRate, saturate } from './grpc-load.ts';
import {
  clockTicksPerSecond,
  processCpuTicks,
  processMemory,
  startServiceProcess,
  type ServiceProcess,
} from '@org/connector-core/testing';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'trivial-connector.js');
const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
// On a shared machine other processes only ever add time: each mode runs `rounds` times, alternating, and the
// least disturbed figure of each is kept.
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);
const rate = Number(process.env['BENCH_RATE'] ?? 1000);
const concurrency = 64;
const SERVICE = '/flyteidl2.connector.AsyncConnectorService';
/** A GetTask request for a task the service created (so the envelope and output types are real). */
async function getTaskRequest(client: Client): Promise<Buffer> {
  const createRequest = create(CreateTaskRequestSchema, {
    template: {
      type: 'test_job',
      interface: {
        outputs: { variables: [{ key: 'result', value: { type: { type: { case: 'simple', value: 1 } } } }] },
      },
    },
    outputPrefix: 's3://bucket/prefix',
  });
  const created = await call(
    client,
    `${SERVICE}/CreateTask`,
    Buffer.from(toBinary(CreateTaskRequestSchema, createRequest)),
  );
  const request = Buffer.from(
    toBinary(
      GetTaskRequestSchema,
      create(GetTaskRequestSchema, {
        resourceMeta: fromBinary(CreateTaskResponseSchema, created).resourceMeta,
        taskCategory: { name: 'test_job', version: 0 },
        outputPrefix: 's3://bucket/prefix',
      }),
    ),
  );
  const resource = fromBinary(
    GetTaskResponseSchema,
    await call(client, `${SERVICE}/GetTask`, request),
  ).resource;
  // Only meaningful if the service does the real work: SUCCEEDED with the output.
  if ((resource?.phase as number) !== 3 || resource?.outputs?.literals[0]?.name !== 'result') {
    throw new Error('unexpected GetTask answer');
  }
  return request;
}

/** CPU ticks of the process's main thread alone (its task whose id is the pid); the rest is other threads. */
function mainThreadCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function measure(label: string, args: readonly string[]) {
  const startedAt = performance.now();
  const service: ServiceProcess = await startServiceProcess({
    modules: [fixture],
    env: process.env,
    pin: process.env['BENCH_PIN'] !== '0',
    args: ['--worker', '64', ...args],
  });
  const startMs = performance.now() - startedAt;
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pid = service.child.pid!;
    const idle = processMemory(pid);
    const client = new Client(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());
    const request = await getTaskRequest(client);
    await saturate(client, `${SERVICE}/GetTask`, request, 1); // warm-up: JIT, connection
    const ticksBefore = processCpuTicks(pid);
    const mainBefore = mainThreadCpuTicks(pid);
    const saturation = await saturate(client, `${SERVICE}/GetTask`, request, seconds, concurrency);
    const perCall = (ticks: number) =>
      ((ticks / clockTicksPerSecond()) * 1e6) / Math.max(1, saturation.calls);
    const cpuUsPerCall = perCall(processCpuTicks(pid) - ticksBefore);
    const mainUsPerCall = perCall(mainThreadCpuTicks(pid) - mainBefore);
    const latency = await fixedRate(client, `${SERVICE}/GetTask`, request, rate, seconds);
    const loaded = processMemory(pid);
    client.close();
    return { label, startMs, saturation, cpuUsPerCall, mainUsPerCall, latency, idle, loaded };
  } finally {
    await service.stop();
  }
}

const cores = availableParallelism();
const pinned = (() => {
  try {
    execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return cores > 1;
  } catch {
    return false;
  }
})();

type Measurement = Awaited<ReturnType<typeof measure>>;
const runs: { base: Measurement[]; isolated: Measurement[] } = { base: [], isolated: [] };
for (let round = 0; round < rounds; round += 1) {
  runs.base.push(await measure('in-process', []));
  runs.isolated.push(await measure('--isolate', ['--isolate']));
}
function best(measurements: readonly Measurement[]) {
  const min = (pick: (m: Measurement) => number) => Math.min(...measurements.map(pick));
  return {
    perSecond: Math.max(...measurements.map((m) => m.saturation.perSecond)),
    cpuUsPerCall: min((m) => m.cpuUsPerCall),
    mainUsPerCall: min((m) => m.mainUsPerCall),
    p50: min((m) => m.latency.p50),
    p99: min((m) => m.latency.p99),
    idleRss: min((m) => m.idle.rssMb),
    loadedRss: min((m) => m.loaded.rssMb),
    startMs: min((m) => m.startMs),
    errors: measurements.reduce((sum, m) => sum + m.saturation.errors + m.latency.errors, 0),
  };
}
const base = best(runs.base);
const isolated = best(runs.isolated);
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;
const rows: string[][] = [
  ['figure', 'in-process', '--isolate', 'isolated / in-process'],
  [
    `GetTask/s at saturation (${concurrency} in flight)`,
    fmt(base.perSecond, 0),
    fmt(isolated.perSecond, 0),
    ratio(isolated.perSecond, base.perSecond),
  ],
  [
    'service CPU per GetTask at saturation (µs)',
    fmt(base.cpuUsPerCall, 0),
    fmt(isolated.cpuUsPerCall, 0),
    ratio(isolated.cpuUsPerCall, base.cpuUsPerCall),
  ],
  [
    '… of which on the main thread (µs)',
    fmt(base.mainUsPerCall, 0),
    fmt(isolated.mainUsPerCall, 0),
    ratio(isolated.mainUsPerCall, base.mainUsPerCall),
  ],
  [`p50 at ${rate}/s (ms)`, fmt(base.p50, 2), fmt(isolated.p50, 2), ratio(isolated.p50, base.p50)],
  [`p99 at ${rate}/s (ms)`, fmt(base.p99, 2), fmt(isolated.p99, 2), ratio(isolated.p99, base.p99)],
  [
    'RSS idle / after load (MB)',
    `${fmt(base.idleRss)} / ${fmt(base.loadedRss)}`,
    `${fmt(isolated.idleRss)} / ${fmt(isolated.loadedRss)}`,
    `+${fmt(isolated.idleRss - base.idleRss)} MB idle`,
  ],
  ['start to SERVING (ms)', fmt(base.startMs, 0), fmt(isolated.startMs, 0), ''],
  ['errors', String(base.errors), String(isolated.errors), ''],
];
process.stdout.write(
  `\nIsolation overhead — best of ${rounds} alternating runs, ${seconds} s per phase, node ${process.version}, ${cores} cores, ` +
    `${pinned && process.env['BENCH_PIN'] !== '0' ? 'service pinned to the last core, load generator to core 0' : 'service not pinned'}\n\n`,
);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
