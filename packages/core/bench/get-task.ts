// GetTask benchmark (issue: core §9). Prints figures; not a test. Run: `npm run bench -w @org/connector-core`.
// Compares the connector service (Flyte 2 GetTask against a trivial connector) with a bare grpc-js server answering
// an equally sized message, under the same load generator, with server and load generator pinned to different cores.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials, Client } from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { GetTaskResponseSchema } from '../dist/lib/gen/v2/flyteidl2/connector/connector_pb.js';
import { call, fixedRate, saturate } from './grpc-load.ts';
import {
  loopbackServeArgs,
  trivialCreateRequest,
  trivialGetRequest,
  trivialServiceArgs,
} from './trivial-task.ts';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli', 'main.js');
const fixture = join(here, 'trivial-connector.js');
const cores = availableParallelism();
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return cores > 1;
  } catch {
    return false;
  }
})();

interface Target {
  readonly child: ChildProcess;
  readonly port: number;
  readonly pid: number;
  readonly startMs: number;
}

async function start(args: readonly string[]): Promise<Target> {
  const started = performance.now();
  const command = hasTaskset ? 'taskset' : process.execPath;
  const argv = hasTaskset ? ['-c', String(cores - 1), process.execPath, ...args] : [...args];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { event?: string; grpcPort?: number };
    if (event.event === 'serving' && event.grpcPort !== undefined) {
      lines.on('line', () => undefined);
      return { child, port: event.grpcPort, pid: child.pid!, startMs: performance.now() - started };
    }
  }
  throw new Error(`process exited before serving: ${args.join(' ')}`);
}

/** CPU time (user + system) a process has used so far, in ms (Linux clock ticks are 10 ms). */
function cpuMs(pid: number): number {
  const fields = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' })
    .split(') ')[1]!
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU and calls of one target summed over the alternating saturation rounds. */
interface Saturation {
  calls: number;
  errors: number;
  cpuMs: number;
}

/**
 * Saturation in `rounds` slices that alternate between the targets: this machine's speed drifts by tens of percent
 * within minutes, and two back-to-back phases would charge the drift to whichever target ran second.
 */
async function alternatingSaturation(
  targets: readonly { pid: number; client: Client }[],
  request: Buffer,
  rounds: number,
): Promise<Saturation[]> {
  const totals = targets.map(() => ({ calls: 0, errors: 0, cpuMs: 0 }));
  for (let round = 0; round < rounds; round += 1) {
    for (let step = 0; step < targets.length; step += 1) {
      const index = (round + step) % targets.length;
      const target = targets[index]!;
      const total = totals[index]!;
      const before = cpuMs(target.pid);
      const result = await saturate(target.client, path, request, seconds / rounds);
      total.cpuMs += cpuMs(target.pid) - before;
      total.calls += result.calls;
      total.errors += result.errors;
    }
  }
  return totals;
}

const perSecond = (saturation: Saturation) => saturation.calls / seconds;
const cpuUsPerCall = (saturation: Saturation) => (saturation.cpuMs * 1000) / Math.max(1, saturation.calls);

function rssMb(pid: number): number {
  const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

// Load generator on core 0, servers on the last core, so that they do not steal each other's CPU.
if (hasTaskset) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const path = '/flyteidl2.connector.AsyncConnectorService/GetTask';

// e.g. BENCH_SERVICE_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the service under this load.
const serviceNodeOptions = (process.env['BENCH_SERVICE_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean);
const service = await start([...serviceNodeOptions, ...trivialServiceArgs(cli, fixture)]);
await new Promise((r) => setTimeout(r, 1000));
const idleRss = rssMb(service.pid);
const serviceClient = new Client(`127.0.0.1:${service.port}`, credentials.createInsecure());
const createPath = '/flyteidl2.connector.AsyncConnectorService/CreateTask';
const createRequest = trivialCreateRequest();
const createResponse = await call(serviceClient, createPath, createRequest);
const getRequest = trivialGetRequest(createResponse);
const sample = await call(serviceClient, path, getRequest);
// The benchmark is only meaningful if the service does the real work: a SUCCEEDED resource with the output.
const sampleResource = fromBinary(GetTaskResponseSchema, sample).resource;
if (
  sampleResource === undefined ||
  (sampleResource.phase as number) !== 3 ||
  sampleResource.outputs?.literals[0]?.name !== 'result'
) {
  throw new Error(
    `unexpected GetTask answer: ${JSON.stringify(sampleResource, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
  );
}

const bare = await start([join(here, 'bare-server.ts'), String(sample.length)]);
const bareClient = new Client(`127.0.0.1:${bare.port}`, credentials.createInsecure());

// Warm up both (JIT, connections).
await saturate(serviceClient, path, getRequest, 1);
await saturate(bareClient, path, getRequest, 1);

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
const [serviceSat, bareSat] = (await alternatingSaturation(
  [
    { pid: service.pid, client: serviceClient },
    { pid: bare.pid, client: bareClient },
  ],
  getRequest,
  rounds,
)) as [Saturation, Saturation];
const serviceAt2k = await fixedRate(serviceClient, path, getRequest, 2000, seconds);
const bareAt2k = await fixedRate(bareClient, path, getRequest, 2000, seconds);
const loadedRss = rssMb(service.pid);

// Cold start: process start to SERVING, with every first-party connector the workspace has installed.
const coldStarts: number[] = [];
for (let i = 0; i < 3; i += 1) {
  const cold = await start(loopbackServeArgs(cli));
  coldStarts.push(cold.startMs);
  cold.child.kill('SIGTERM');
  await once(cold.child, 'exit');
}

serviceClient.close();
bareClient.close();
service.child.kill('SIGTERM');
bare.child.kill('SIGTERM');

const fmt = (n: number, d = 1) => n.toFixed(d);
const rows = [
  ['figure', 'connector service', 'bare grpc-js', 'ratio / target'],
  [
    'GetTask/s at saturation (64 in flight)',
    fmt(perSecond(serviceSat), 0),
    fmt(perSecond(bareSat), 0),
    `${fmt(perSecond(serviceSat) / perSecond(bareSat), 2)} (target ≥ 0.6)`,
  ],
  [
    'server CPU per GetTask at saturation (µs)',
    fmt(cpuUsPerCall(serviceSat), 0),
    fmt(cpuUsPerCall(bareSat), 0),
    `${fmt(cpuUsPerCall(serviceSat) / cpuUsPerCall(bareSat), 2)}× the bare transport`,
  ],
  ['p50 at 2,000/s (ms)', fmt(serviceAt2k.p50, 2), fmt(bareAt2k.p50, 2), ''],
  ['p99 at 2,000/s (ms)', fmt(serviceAt2k.p99, 2), fmt(bareAt2k.p99, 2), '(target ≤ 5 ms)'],
  ['achieved rate at 2,000/s target', fmt(serviceAt2k.achieved, 0), fmt(bareAt2k.achieved, 0), ''],
  ['errors', String(serviceSat.errors + serviceAt2k.errors), String(bareSat.errors + bareAt2k.errors), ''],
  ['RSS idle / after load (MB)', `${fmt(idleRss)} / ${fmt(loadedRss)}`, '', '(target idle ≤ 80 MB)'],
  ['start to SERVING (ms, best of 3)', fmt(Math.min(...coldStarts), 0), '', '(target ≤ 1000 ms)'],
  ['GetTask response size (bytes)', String(sample.length), String(sample.length), ''],
];
process.stdout.write(
  `\nGetTask benchmark — ${seconds} s per phase (saturation in ${rounds} alternating rounds), node ` +
    `${process.version}, ${cores} cores, ` +
    `${hasTaskset ? 'servers pinned to the last core, load generator to core 0' : 'no pinning (taskset missing)'}\n\n`,
);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
process.exit(0);
