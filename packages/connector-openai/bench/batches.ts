// OpenAI Batch connector benchmark (issue 7). Prints figures; not a test. Run after `npm run build` at the root:
//   npm run bench -w @org/connector-openai
//   (BENCH_BATCHES=1000 BENCH_RESYNC_MS=1000 BENCH_SECONDS=20 BENCH_CREATE_QPS=50 BENCH_WORKERS=50)
// "1,000 tracked batches at 10 polls/s" is read as the BigQuery and Snowflake benches read theirs: 1,000 batches,
// each re-polled every second by core's TaskEngine — an aggregate of ~1,000 GetTask/s (10 polls a second per batch
// would be 10,000 GetTask/s, beyond a 2-core machine running the engine, the mock and the service). The tasks are
// laid out as flytekit's BatchEndpointTask serializes them (input_file_id → result), the key sent per request (Flyte 2
// connection secrets). The batches are created in aimock; the tests' proxy in front of it then holds each one
// in_progress (aimock would finish a batch at its second read), answering retrieves with the batch object itself.
// The service (`flyte-connect serve` with the built plugin) runs in its own process, pinned with taskset to the last
// core when available; the engine, aimock and the proxy share this process. Measured over a steady window:
//   service CPU per GetTask   (utime+stime of the service in /proc/<pid>/stat) / GetTasks it answered
//                             (flyte_connector_requests_success_total{operation="get"} from its /metrics)
//   service RSS               VmRSS at the end of the window (and VmHWM, the peak)
//   API calls per Get         requests the proxy answered per GetTask (one batches.retrieve is the target)
//   connections               TCP connections the proxy accepted during the window (keep-alive check)
import { availableParallelism } from 'node:os';
import { LLMock } from '@copilotkit/aimock';
import { createGrpcClient, inputsToLiterals, parseTaskFile, TaskEngine } from '@org/connector-core';
import { requireBuilt, serveBuilt } from '../demo/serve.js';
import { TestProxy } from '../test/support/proxy.js';
import {
  clockTicksPerSecond,
  processCpuTicks,
  processMemory,
  submitUntilRunning,
} from '@org/connector-core/testing';

const BATCHES = Number(process.env['BENCH_BATCHES'] ?? 1000);
const RESYNC_MS = Number(process.env['BENCH_RESYNC_MS'] ?? 1000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 50);
// CreateTask rate during set-up: each create is a batches.create through the proxy to aimock, which share this
// process with the engine; unthrottled, 50 creates in flight at once overran the 10 s deadline on a loaded machine.
const CREATE_QPS = Number(process.env['BENCH_CREATE_QPS'] ?? 50);
const API_KEY = 'sk-bench-0123456789abcdef';
const CLOCK_TICKS = clockTicksPerSecond();

/** flytekit's BatchEndpointTask: the id of an uploaded JSONL file in, the batch object out. */
const TASK = {
  type: 'openai-batch',
  name: 'bench.batch',
  custom: { openai_organization: 'org-bench', config: { metadata: { team: 'bench' } } },
  inputs: { input_file_id: 'string' },
  outputs: { result: 'struct' },
};

requireBuilt((text) => process.stderr.write(`${text}\n`), '@org/connector-openai');

const mock = new LLMock({ port: 0, host: '127.0.0.1' });
await mock.start();
const proxy = await TestProxy.start(mock.url);
proxy.holdNewBatches = true;
proxy.recordExchanges = false;

// One JSONL file for every batch, uploaded beforehand as flytekit's separate upload task does.
const form = new FormData();
form.append('purpose', 'batch');
const line = {
  custom_id: 'q1',
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is Flyte?' }] },
};
form.append('file', new Blob([`${JSON.stringify(line)}\n`]), 'requests.jsonl');
const upload = await fetch(`${mock.url}/v1/files`, { method: 'POST', body: form });
const fileId = ((await upload.json()) as { id: string }).id;

const service = await serveBuilt({
  pin: true,
  env: {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    FLYTE_OPENAI_BASE_URL: `${proxy.url}/v1`,
  },
});
const pid = service.child.pid!;

const template = parseTaskFile(new TextEncoder().encode(JSON.stringify(TASK)), 'bench-task.json').template;
const inputs = inputsToLiterals({ input_file_id: fileId }, template);
const client = createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol: 'v2' });
const engine = new TaskEngine({
  client,
  resyncMs: RESYNC_MS,
  workers: WORKERS,
  readQps: 1_000_000,
  readBurst: 10_000,
  writeQps: CREATE_QPS,
  writeBurst: 10,
  callTimeoutMs: 10_000,
});
const connection = { secrets: { openai_api_key: API_KEY }, configs: {} };
// Set-up: every task RUNNING; a CreateTask that missed its deadline on a loaded machine is submitted again.
const { createRetries, seconds: setupSeconds } = await submitUntilRunning(engine, BATCHES, () =>
  engine.submit({ template, inputs, outputPrefix: '', connection }),
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
await proxy.close();
await mock.stop();

const wall = (after.at - before.at) / 1000;
const gets = after.metricGets - before.metricGets;
const cpuMs = ((after.ticks - before.ticks) / CLOCK_TICKS) * 1000;
const fmt = (n: number, d = 1) => n.toFixed(d);
const cores = availableParallelism();
const header =
  `OpenAI Batch connector benchmark — ${BATCHES} batches in_progress, resync ${RESYNC_MS} ms ` +
  `(≈ ${fmt((BATCHES * 1000) / RESYNC_MS, 0)} GetTask/s), ${WORKERS} engine workers, ${SECONDS} s window, ` +
  `Flyte 2 gRPC, node ${process.version}, ${cores} cores, service ` +
  `${service.pinnedCore === undefined ? 'not pinned' : `pinned to core ${service.pinnedCore}`}`;
const rows = [
  ['measure', 'value', 'target'],
  [`set-up: ${BATCHES} CreateTask at ≤ ${CREATE_QPS}/s + first GetTask (s)`, fmt(setupSeconds, 2), ''],
  ['CreateTask submitted again after missing its deadline (set-up)', String(createRetries), '0'],
  ['batches created in aimock', String(proxy.createdBatches.length), String(BATCHES)],
  ['GetTask/s answered by the service', fmt(gets / wall, 0), fmt((BATCHES * 1000) / RESYNC_MS, 0)],
  ['service CPU per GetTask (ms)', fmt(cpuMs / Math.max(1, gets), 3), '≤ 1'],
  ['service CPU (% of one core)', fmt((cpuMs / 1000 / wall) * 100, 0), ''],
  ['service RSS at the end (MB)', fmt(rssMb, 0), '≤ 150'],
  ['service peak RSS, VmHWM (MB)', fmt(hwmMb, 0), ''],
  ['API requests per GetTask', fmt((after.answered - before.answered) / Math.max(1, gets), 3), '1'],
  ['API connections opened in the window', String(after.connections - before.connections), '0 (keep-alive)'],
  ['API connections opened in all', String(after.connections), ''],
  ['GetTask errors', String(stats.calls.getFailed), '0'],
  [
    'bench process CPU: engine + aimock + proxy (% of one core)',
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
  readonly answered: number;
  readonly connections: number;
}

async function sample(): Promise<Sample> {
  const metrics = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  const metric = metrics
    .split('\n')
    .find((l) => l.startsWith('flyte_connector_requests_success_total{') && l.includes('operation="get"'));
  return {
    at: performance.now(),
    ticks: processCpuTicks(pid),
    metricGets: Number(metric?.split(' ').at(-1) ?? NaN),
    answered: proxy.answered,
    connections: proxy.connections,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
