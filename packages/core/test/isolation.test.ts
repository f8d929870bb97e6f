// Misbehaving connectors, through the real CLI over real gRPC: a connector that blocks the event loop is named in a
// warn line and in its own metrics; with --isolate, a connector module that blocks, crashes, exits or runs out of
// memory cannot stall or take down the others, its in-flight calls end with UNAVAILABLE naming it, and it serves
// again after its worker restarts. Isolation changes nothing else: listings, results, typed errors and secret
// redaction are the same with and without it.
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import { GetTaskLogsRequestSchema } from '@flyteorg/flyteidl2/flyteidl2/connector/connector_pb.ts';
import { SimpleType } from '@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthStatus } from './reliability/support/fuzz-runner.js';
import { RawChannel, StatusName, type RawOutcome } from './reliability/support/raw-grpc.js';
import {
  createTaskRequest,
  lifecycleRequests,
  resourceMetaOf,
  type SeedCategory,
} from './reliability/support/seeds.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import { httpGet, parsePrometheus, sampleValue, sleep } from './support/util.js';

const WELL_BEHAVED = fileURLToPath(new URL('./fixtures/misbehaving/well-behaved.ts', import.meta.url));
const MISBEHAVING = fileURLToPath(new URL('./fixtures/misbehaving/misbehaving.ts', import.meta.url));
const MODULES = ['--modules', WELL_BEHAVED, '--modules', MISBEHAVING];
const V2 = '/flyteidl2.connector.AsyncConnectorService';
const CREATE = `${V2}/CreateTask`;
const GET = `${V2}/GetTask`;
const WELL: SeedCategory = { name: 'well_behaved', version: 0 };
const ECHO: SeedCategory = { name: 'echo_sync', version: 0 };
const BUSY: SeedCategory = { name: 'busy_sync', version: 0 };
const LATE: SeedCategory = { name: 'busy_later', version: 0 };
const CRASH: SeedCategory = { name: 'crash', version: 0 };
const LEAK: SeedCategory = { name: 'leak', version: 0 };
const CANARY = 'cnry-ISOLATION-5e1f0a7d93c2';
const HEAP_MIB = 64;

let inProcess: ServiceProcess;
let isolated: ServiceProcess;
let inProcessChannel: RawChannel;
let isolatedChannel: RawChannel;

beforeAll(async () => {
  [inProcess, isolated] = await Promise.all([
    startService({ extraArgs: [...MODULES, '--stall-threshold', '200'] }),
    startService({
      extraArgs: [
        ...MODULES,
        '--stall-threshold',
        '200',
        '--isolate',
        '--isolate-heap-mib',
        String(HEAP_MIB),
      ],
    }),
  ]);
  inProcessChannel = new RawChannel(inProcess.address);
  isolatedChannel = new RawChannel(isolated.address);
});

afterAll(async () => {
  inProcessChannel?.close();
  isolatedChannel?.close();
  await stopAllServices();
});

function createOf(
  category: SeedCategory,
  inputs: Readonly<Record<string, bigint | string>>,
  options: {
    outputs?: string[];
    outputType?: SimpleType;
    secrets?: Record<string, string>;
    name?: string;
  } = {},
): Uint8Array {
  return createTaskRequest({
    category,
    inputs,
    ...(options.outputs === undefined
      ? {}
      : { outputs: options.outputs, outputType: options.outputType ?? SimpleType.INTEGER }),
    executionName: options.name ?? `isolation-${category.name}`,
    ...(options.secrets === undefined ? {} : { connection: { secrets: options.secrets } }),
  });
}

function call(
  channel: RawChannel,
  path: string,
  request: Uint8Array,
  deadlineMs = 10_000,
): Promise<RawOutcome> {
  return channel.call('unary', path, [request], { deadlineMs });
}

async function metrics(service: ServiceProcess) {
  return parsePrometheus((await httpGet(service.metricsPort, '/metrics')).body);
}

function stallLines(service: ServiceProcess): Record<string, unknown>[] {
  return service.jsonLogs.filter((line) => line['event'] === 'event_loop_stall');
}

function expectCode(outcome: RawOutcome, code: status): void {
  expect(StatusName[outcome.code], outcome.details).toBe(StatusName[code]);
}

describe('stall detection without isolation', () => {
  it('names the connector whose create blocked the loop, and counts the blocked time for its task type only', async () => {
    // A well-behaved call is in flight during the stall: exact attribution must not blame it.
    const waiting = call(inProcessChannel, CREATE, createOf(WELL, { n: 1n, mode: 'ok', delay_ms: 400n }));
    await sleep(50);
    const busy = await call(inProcessChannel, CREATE, createOf(BUSY, { busy_ms: 600n }));
    expectCode(busy, status.OK);
    expectCode(await waiting, status.OK);

    const line = await inProcess.waitForLog(
      (l) => l.json?.['event'] === 'event_loop_stall' && l.json['attribution'] === 'exact',
      5_000,
      'an exact stall line',
    );
    expect(line.json!['level']).toBe('warn');
    expect(line.json!['connectors']).toEqual(['Busy Connector']);
    expect(line.json!['thread']).toBe('main thread');
    expect(line.json!['msg']).toMatch(
      /by connector 'Busy Connector' \(its create ran \d+ ms synchronously\)/,
    );
    expect(line.json!['blockedMs']).toBeGreaterThanOrEqual(550);

    const samples = await metrics(inProcess);
    const blocked = 'flyte_connector_event_loop_blocked_seconds_total';
    expect(sampleValue(samples, blocked, { task_type: 'busy_sync' })).toBeGreaterThanOrEqual(0.55);
    expect(sampleValue(samples, blocked, { task_type: 'well_behaved' }) ?? 0).toBe(0);
    expect(
      sampleValue(samples, 'flyte_connector_event_loop_stalls_total', {
        task_type: 'busy_sync',
        attribution: 'exact',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Process-level lag comes from prom-client's default metrics.
    expect(sampleValue(samples, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0);
  });

  it('names a connector blocking in a later continuation as a suspect', async () => {
    const before = stallLines(inProcess).length;
    expectCode(await call(inProcessChannel, CREATE, createOf(LATE, { busy_ms: 500n })), status.OK);
    const line = await inProcess.waitForLog(
      (l) =>
        l.json?.['event'] === 'event_loop_stall' &&
        l.json['attribution'] === 'suspect' &&
        stallLines(inProcess).indexOf(l.json) >= before,
      5_000,
      'a suspect stall line',
    );
    expect(line.json!['connectors']).toContain('Late Blocker');
    expect(line.json!['msg']).toMatch(
      /; suspects \(calls in flight\): .*connector 'Late Blocker' \(create\)/,
    );
  });

  it('(the problem isolation solves) a busy connector stalls health checks of the whole service', async () => {
    const busy = call(inProcessChannel, CREATE, createOf(BUSY, { busy_ms: 1_500n }));
    await sleep(300); // the busy create is running by now
    const started = performance.now();
    expect(await healthStatus(inProcessChannel)).toBe('SERVING');
    const healthMs = performance.now() - started;
    await busy;
    expect(healthMs).toBeGreaterThan(500);
  });
});

describe('--isolate', () => {
  it('keeps health and the other connectors answering while one connector busy-loops; its call ends at the deadline', async () => {
    const busyStarted = performance.now();
    const busy = call(isolatedChannel, CREATE, createOf(BUSY, { busy_ms: 3_000n }), 1_000);
    await sleep(100);
    const latencies: number[] = [];
    while (performance.now() - busyStarted < 2_500) {
      let started = performance.now();
      expect(await healthStatus(isolatedChannel)).toBe('SERVING');
      latencies.push(performance.now() - started);
      started = performance.now();
      expectCode(await call(isolatedChannel, CREATE, createOf(WELL, { n: 2n, mode: 'ok' })), status.OK);
      latencies.push(performance.now() - started);
      await sleep(50);
    }
    const outcome = await busy;
    expectCode(outcome, status.DEADLINE_EXCEEDED);
    expect(outcome.ms).toBeLessThan(1_500);
    latencies.sort((a, b) => a - b);
    expect(latencies.length).toBeGreaterThan(10);
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(200);
    expect(latencies.at(-1)).toBeLessThan(1_000);

    const line = await isolated.waitForLog(
      (l) => l.json?.['event'] === 'event_loop_stall' && l.json['attribution'] === 'exact',
      10_000,
      'the worker thread stall line',
    );
    expect(line.json!['connectors']).toEqual(['Busy Connector']);
    expect(line.json!['thread']).toBe(`worker thread of module ${MISBEHAVING}`);
    expect(line.json!['blockedMs']).toBeGreaterThanOrEqual(2_900);
    const samples = await metrics(isolated);
    expect(
      sampleValue(samples, 'flyte_connector_event_loop_blocked_seconds_total', { task_type: 'busy_sync' }),
    ).toBeGreaterThanOrEqual(2.9);
  });

  for (const scenario of [
    {
      how: 'throw',
      reason: 'uncaught_exception',
      detail: /crashed with an uncaught TypeError: lost the connection while using \[REDACTED\]/,
    },
    { how: 'exit', reason: 'exit', detail: /exited with code 3/ },
  ] as const) {
    it(`a worker that ${scenario.how === 'throw' ? 'throws from a timer' : 'calls process.exit'} fails its call with UNAVAILABLE naming it, restarts and serves again`, async () => {
      const exitsBefore = isolated.jsonLogs.filter((l) => l['event'] === 'connector_worker_exit').length;
      const crash = call(
        isolatedChannel,
        CREATE,
        createOf(CRASH, { how: scenario.how }, { secrets: { crash_token: CANARY } }),
      );
      const outcome = await crash;
      expectCode(outcome, status.UNAVAILABLE);
      expect(outcome.details).toContain("Connector 'Crashing Connector' is unavailable");
      expect(outcome.details).toMatch(scenario.detail);
      expect(outcome.details).not.toContain(CANARY);
      // The others keep serving.
      expectCode(await call(isolatedChannel, CREATE, createOf(WELL, { n: 3n, mode: 'ok' })), status.OK);

      const line = await isolated.waitForLog(
        (l) =>
          l.json?.['event'] === 'connector_worker_exit' &&
          isolated.jsonLogs.filter((j) => j['event'] === 'connector_worker_exit').indexOf(l.json) >=
            exitsBefore,
        5_000,
        'the worker exit line',
      );
      expect(line.json!['level']).toBe('error');
      expect(line.json!['reason']).toBe(scenario.reason);
      expect(line.json!['connectors']).toContain('Crashing Connector');
      expect(line.json!['msg']).toMatch(scenario.detail);

      // The next call waits for the restarted worker and succeeds.
      expectCode(await call(isolatedChannel, CREATE, createOf(CRASH, { how: 'ok' })), status.OK);
    });
  }

  it('a leaking worker runs out of memory at its heap cap: UNAVAILABLE naming it, restarted, serves again', async () => {
    const outcome = await call(isolatedChannel, CREATE, createOf(LEAK, { how: 'leak' }), 20_000);
    expectCode(outcome, status.UNAVAILABLE);
    expect(outcome.details).toContain("Connector 'Leaking Connector' is unavailable");
    expect(outcome.details).toContain(`ran out of memory (heap limit ${HEAP_MIB} MiB)`);
    expectCode(await call(isolatedChannel, CREATE, createOf(WELL, { n: 4n, mode: 'ok' })), status.OK);
    expectCode(await call(isolatedChannel, CREATE, createOf(LEAK, { how: 'ok' })), status.OK);
    const samples = await metrics(isolated);
    expect(
      sampleValue(samples, 'flyte_connector_worker_exits_total', {
        worker: `module ${MISBEHAVING}`,
        reason: 'out_of_memory',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'flyte_connector_worker_heap_used_bytes', { worker: `module ${WELL_BEHAVED}` }),
    ).toBeGreaterThan(0);
  });
});

describe('isolation changes nothing else', () => {
  it('lists the same connectors', async () => {
    for (const path of [
      '/flyteidl2.connector.ConnectorMetadataService/ListConnectors',
      '/flyteidl.service.AgentMetadataService/ListAgents',
    ]) {
      const [a, b] = await Promise.all([
        call(inProcessChannel, path, new Uint8Array()),
        call(isolatedChannel, path, new Uint8Array()),
      ]);
      expectCode(a, status.OK);
      expect(Buffer.from(b.responses[0]!).equals(Buffer.from(a.responses[0]!))).toBe(true);
    }
  });

  it('answers create, get, logs, delete and sync calls with the same bytes, and typed errors with the same status', async () => {
    const both = async (path: string, request: Uint8Array) => {
      const [a, b] = await Promise.all([
        call(inProcessChannel, path, request),
        call(isolatedChannel, path, request),
      ]);
      expect({ code: StatusName[b.code], details: b.details }).toEqual({
        code: StatusName[a.code],
        details: a.details,
      });
      expect(b.responses.map((r) => Buffer.from(r).toString('hex'))).toEqual(
        a.responses.map((r) => Buffer.from(r).toString('hex')),
      );
      return a;
    };
    const created = await both(
      CREATE,
      createOf(WELL, { n: 21n, mode: 'ok' }, { outputs: ['doubled'], name: 'same-bytes' }),
    );
    expectCode(created, status.OK);
    const task = { category: WELL, resourceMeta: resourceMetaOf(created.responses[0]) };
    const { get, delete: del } = lifecycleRequests(task);
    expectCode(await both(GET, get), status.OK);
    expectCode(await both(`${V2}/DeleteTask`, del), status.OK);
    const logs = toBinary(
      GetTaskLogsRequestSchema,
      create(GetTaskLogsRequestSchema, { resourceMeta: task.resourceMeta, taskCategory: WELL, lines: 10n }),
    );
    const [logsA, logsB] = await Promise.all([
      inProcessChannel.call('server-stream', `${V2}/GetTaskLogs`, [logs]),
      isolatedChannel.call('server-stream', `${V2}/GetTaskLogs`, [logs]),
    ]);
    expectCode(logsA, status.OK);
    expect(logsA.responses.length).toBeGreaterThan(0);
    expect(logsB.responses.map((r) => r.toString('hex'))).toEqual(
      logsA.responses.map((r) => r.toString('hex')),
    );

    const echoed = await both(
      CREATE,
      createOf(ECHO, { s: 'hi' }, { outputs: ['out'], outputType: SimpleType.STRING, name: 'same-echo' }),
    );
    expectCode(echoed, status.OK);
    expectCode(await both(CREATE, createOf(WELL, { n: -1n, mode: 'invalid' })), status.INVALID_ARGUMENT);
    const vendor = await both(CREATE, createOf(WELL, { n: 1n, mode: 'vendor' }));
    expectCode(vendor, status.INTERNAL);
    expect(vendor.details).toContain('TypeError: vendor SDK failed');
    // A corrupted resource_meta is refused by the connector's codec the same way.
    const bad = lifecycleRequests({
      category: WELL,
      resourceMeta: new TextEncoder().encode('{"v":1,"meta":{}}'),
    });
    const refused = await both(GET, bad.get);
    expectCode(refused, status.INVALID_ARGUMENT);
    expect(refused.details).toContain('Invalid resource_meta: expected {id, n}');
  });

  it('redacts a secret the connector logs, in the worker thread as in the main thread', async () => {
    const request = createOf(
      WELL,
      { n: 5n, mode: 'ok' },
      { secrets: { wb_token: CANARY }, name: 'secret-log' },
    );
    const [a, b] = await Promise.all([
      call(inProcessChannel, CREATE, request),
      call(isolatedChannel, CREATE, request),
    ]);
    expectCode(a, status.OK);
    expectCode(b, status.OK);
    for (const service of [inProcess, isolated]) {
      const line = await service.waitForLog(
        (l) => l.json?.['step'] === 'auth' && l.json['msg'] === 'using token [REDACTED]',
        5_000,
        'the connector log line',
      );
      expect(line.json).toMatchObject({
        connector: 'Well Behaved Connector',
        operation: 'create',
        token: '[REDACTED]',
      });
    }
    await sleep(200);
    expect(inProcess.output).not.toContain(CANARY);
    expect(isolated.output).not.toContain(CANARY);
  });
});
