// Client engine benchmark (issue: core §engine). Prints figures; not a test. Run after a build:
//   node bench/engine.ts              (BENCH_TASKS=10000 BENCH_SECONDS=5 BENCH_RESYNC_MS=1000 BENCH_WORKERS=50)
// Tracks BENCH_TASKS tasks that stay RUNNING, re-polled every BENCH_RESYNC_MS, and measures in steady state the
// polls per second, the CPU this process spends per poll, event-loop delay and memory, for three clients:
//   bookkeeping  a client that answers at once with a prebuilt resource: the engine's own cost
//   in-process   the in-process client and a trivial connector: dispatcher, literals, resource_meta envelope
//   grpc-v2      the Flyte 2 gRPC client against `flyte-connect serve` in a child process (client side measured)
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { create } from '@bufbuild/protobuf';
import { ResourceSchema } from '../dist/lib/gen/v2/flyteidl2/connector/connector_pb.js';
import {
  createGrpcClient,
  createInProcessClient,
  createLogger,
  inputsToLiterals,
  parseTaskFile,
  TaskEngine,
  type ConnectorClient,
  type ConnectorPlugin,
} from '@org/connector-core';
import { trivialServiceArgs } from './trivial-task.ts';

const TASKS = Number(process.env['BENCH_TASKS'] ?? 10_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const RESYNC_MS = Number(process.env['BENCH_RESYNC_MS'] ?? 1000);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 50);
const FIXTURE = fileURLToPath(new URL('../test/fixtures/runner-connectors.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// `trivial_job` stays RUNNING for an hour: every task is re-polled for the whole measurement.
const template = parseTaskFile(
  new TextEncoder().encode('type: trivial_job\ninputs: { duration_ms: integer }'),
  'bench.yaml',
).template;
const inputs = inputsToLiterals({ duration_ms: 3_600_000 }, template);

/** Answers at once: CreateTask with fixed bytes, GetTask with one prebuilt RUNNING resource. */
function bookkeepingClient(): ConnectorClient {
  const running = create(ResourceSchema, { phase: 2, message: 'running' });
  const meta = new TextEncoder().encode('{"readyAt":0}');
  return {
    protocol: 'v2',
    create: () => Promise.resolve(meta),
    get: () => Promise.resolve(running),
    delete: () => Promise.resolve(),
    list: () => Promise.resolve([]),
    close: () => undefined,
  };
}

async function inProcessClient(): Promise<ConnectorClient> {
  const module = (await import(pathToFileURL(FIXTURE).href)) as { default: ConnectorPlugin };
  return createInProcessClient({
    connectors: module.default.connectors({ env: process.env }),
    env: {},
    secretsDir: '/nonexistent',
    logger: createLogger({ level: 'silent' }),
    worker: 64,
  });
}

async function startService(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, trivialServiceArgs(CLI, FIXTURE), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { event?: string; grpcPort?: number };
    if (event.event === 'serving' && event.grpcPort !== undefined) {
      lines.on('line', () => undefined);
      return { child, port: event.grpcPort };
    }
  }
  throw new Error('the service exited before serving');
}

interface Figures {
  readonly name: string;
  readonly setupSeconds: number;
  readonly pollsPerSecond: number;
  readonly cpuMicrosPerPoll: number;
  readonly cpuPercent: number;
  readonly loopP99Ms: number;
  readonly rssMb: number;
  readonly heapPerTaskBytes: number;
  readonly getFailed: number;
}

async function measure(name: string, client: ConnectorClient): Promise<Figures> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const engine = new TaskEngine({
    client,
    resyncMs: RESYNC_MS,
    workers: WORKERS,
    readQps: 1_000_000,
    readBurst: 10_000,
    writeQps: 1_000_000,
    writeBurst: 10_000,
    callTimeoutMs: 30_000,
  });
  const setupStart = performance.now();
  for (let i = 0; i < TASKS; i += 1) engine.submit({ template, inputs, outputPrefix: '' });
  // Set up: every task created and polled once (the immediate GetTask).
  while (engine.stats().byPhase.RUNNING !== TASKS) await new Promise((r) => setTimeout(r, 20));
  const setupSeconds = (performance.now() - setupStart) / 1000;
  // Let the resync schedule spread out, then measure a steady window.
  await new Promise((r) => setTimeout(r, RESYNC_MS * 2));
  gc();
  const heapPerTaskBytes = (process.memoryUsage().heapUsed - heapBefore) / TASKS;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const getsBefore = engine.stats().calls.get;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - started) / 1000;
  const polls = engine.stats().calls.get - getsBefore;
  loop.disable();
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  const stats = engine.stats();
  engine.close();
  client.close();
  const cpuMicros = cpu.user + cpu.system;
  return {
    name,
    setupSeconds,
    pollsPerSecond: polls / wall,
    cpuMicrosPerPoll: cpuMicros / Math.max(1, polls),
    cpuPercent: (cpuMicros / 1e6 / wall) * 100,
    loopP99Ms: loop.percentile(99) / 1e6,
    rssMb,
    heapPerTaskBytes,
    getFailed: stats.calls.getFailed,
  };
}

gc();
const baselineRssMb = process.memoryUsage().rss / 1024 / 1024;
const results: Figures[] = [];
results.push(await measure('bookkeeping', bookkeepingClient()));
results.push(await measure('in-process', await inProcessClient()));
const service = await startService();
results.push(
  await measure('grpc-v2', createGrpcClient({ endpoint: `127.0.0.1:${service.port}`, protocol: 'v2' })),
);
service.child.kill('SIGTERM');

const fmt = (n: number, d = 1) => n.toFixed(d);
process.stdout.write(
  `\nEngine benchmark — ${TASKS} tasks RUNNING, resync ${RESYNC_MS} ms, ${WORKERS} workers, ${SECONDS} s window, ` +
    `node ${process.version}\n(target rate = tasks / resync = ${fmt((TASKS * 1000) / RESYNC_MS, 0)} polls/s; ` +
    'CPU and memory are this process, the client side)\n' +
    `RSS before the first run: ${fmt(baselineRssMb, 0)} MB; the runs share one process, so RSS accumulates.\n\n`,
);
const rows = [
  [
    'client',
    'set-up (s)',
    'polls/s',
    'CPU µs/poll',
    'CPU %',
    'loop p99 (ms)',
    'RSS (MB)',
    'heap/task (B)',
    'Get errors',
  ],
  ...results.map((r) => [
    r.name,
    fmt(r.setupSeconds, 2),
    fmt(r.pollsPerSecond, 0),
    fmt(r.cpuMicrosPerPoll),
    fmt(r.cpuPercent, 0),
    fmt(r.loopP99Ms),
    fmt(r.rssMb, 0),
    fmt(r.heapPerTaskBytes, 0),
    String(r.getFailed),
  ]),
];
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
process.exit(0);
