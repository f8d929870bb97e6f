// Allocation benchmark: bytes of JS heap allocated per call, by the connector service and by a bare grpc-js server.
// Prints figures; not a test. Run: `npm run bench:alloc -w @org/connector-core`.
//
// CPU per call swings by ±30 % on a shared VM from one minute to the next, which hides a change of a few percent.
// What V8 allocates per call does not: it is counted from the servers' own GC trace (`--trace-gc-nvp`, the
// `allocated=` figure of every collection) over a fixed number of calls, and repeats to within a few percent.
// Allocation is also what drives the garbage collector's share of a call.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials, Client } from '@grpc/grpc-js';
import { call } from './grpc-load.ts';
import { trivialCreateRequest, trivialGetRequest, trivialServiceArgs } from './trivial-task.ts';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli', 'main.js');
const fixture = join(here, 'trivial-connector.js');
const calls = Number(process.env['BENCH_CALLS'] ?? 50_000);
const WARM_UP_CALLS = 20_000;
const IN_FLIGHT = 64;

/** One collection of the server's GC trace, and how many calls had been answered when its line arrived. */
interface Collection {
  readonly allocated: number;
  readonly callsSoFar: number;
}

interface TracedServer {
  readonly child: ChildProcess;
  readonly client: Client;
  readonly collections: Collection[];
  /** Calls answered so far; `drive` counts them. */
  readonly answered: { count: number };
}

async function startTraced(args: readonly string[]): Promise<TracedServer> {
  const child = spawn(process.execPath, ['--trace-gc-nvp', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const collections: Collection[] = [];
  const lines = createInterface({ input: child.stdout });
  const answered = { count: 0 };
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before serving`)));
    lines.on('line', (line) => {
      const allocated = / allocated=(\d+)/.exec(line);
      if (allocated !== null)
        collections.push({ allocated: Number(allocated[1]), callsSoFar: answered.count });
      else if (line.startsWith('{') && line.includes('"serving"')) {
        resolve((JSON.parse(line) as { grpcPort: number }).grpcPort);
      }
    });
  });
  return {
    child,
    client: new Client(`127.0.0.1:${port}`, credentials.createInsecure()),
    collections,
    answered,
  };
}

/** `total` calls, `IN_FLIGHT` at a time. */
async function drive(server: TracedServer, path: string, request: Buffer, total: number): Promise<void> {
  let left = total;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) {
        await call(server.client, path, request);
        server.answered.count += 1;
      }
    }),
  );
}

/**
 * Bytes allocated per call after a warm-up (JIT, connection, heap sizing): what the collections between the first
 * and the last one of the measured calls report, divided by the calls answered between those two. Counting from
 * collection to collection leaves out what the first one found allocated before the measurement began and what
 * the last one had not yet seen.
 */
async function allocatedPerCall(server: TracedServer, path: string, request: Buffer): Promise<number> {
  await drive(server, path, request, WARM_UP_CALLS);
  const from = server.collections.length;
  await drive(server, path, request, calls);
  const measured = server.collections.slice(from);
  const first = measured[0];
  const last = measured.at(-1);
  if (first === undefined || last === undefined || measured.length < 10)
    throw new Error(`only ${measured.length} collections; raise BENCH_CALLS`);
  const bytes = measured.slice(1).reduce((sum, collection) => sum + collection.allocated, 0);
  return bytes / (last.callsSoFar - first.callsSoFar);
}

const createRequest = trivialCreateRequest();
const serviceArgs = trivialServiceArgs(cli, fixture);

const V2 = '/flyteidl2.connector.AsyncConnectorService';
const V1 = '/flyteidl.service.AsyncAgentService';
const rows: string[][] = [];
for (const [label, service, method] of [
  ['GetTask, Flyte 2', V2, 'GetTask'],
  ['GetTask, Flyte 1', V1, 'GetTask'],
  ['CreateTask (1 input, 1 output), Flyte 2', V2, 'CreateTask'],
] as const) {
  // A fresh process per figure, so that one measurement's heap state does not leak into the next.
  const server = await startTraced(serviceArgs);
  const created = await call(server.client, `${V2}/CreateTask`, createRequest);
  const getRequest = trivialGetRequest(created);
  const request = method === 'GetTask' ? getRequest : createRequest;
  const sample = await call(server.client, `${service}/${method}`, request);
  const ours = await allocatedPerCall(server, `${service}/${method}`, request);
  server.client.close();
  server.child.kill('SIGTERM');
  // The transport ceiling: the same request bytes in, a response of the same size out, no work.
  const bare = await startTraced([join(here, 'bare-server.ts'), String(sample.length)]);
  const transport = await allocatedPerCall(bare, `${V2}/GetTask`, request);
  bare.client.close();
  bare.child.kill('SIGTERM');
  rows.push([label, ours.toFixed(0), transport.toFixed(0), (ours - transport).toFixed(0)]);
}

process.stdout.write(
  `\nAllocation benchmark — ${calls.toLocaleString('en-US')} calls per figure after ${WARM_UP_CALLS.toLocaleString('en-US')} ` +
    `warm-up calls, ${IN_FLIGHT} in flight, node ${process.version}\n\n` +
    '| call | connector service (B allocated per call) | bare grpc-js | service minus transport |\n' +
    '| --- | --- | --- | --- |\n',
);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
process.exit(0);
