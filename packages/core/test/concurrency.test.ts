// Deadlines, the worker limit and isolation from connector failures, on a service with a single worker slot
// (`--worker 1`): any slot that a hung or failed call failed to give back would block every later call.
import { TaskExecution_Phase } from '@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flyte1Client, serviceError } from './support/flyte1-client.js';
import { Code, connectError, flyte2Client, type Flyte2Client } from './support/flyte2-client.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import {
  jobTask,
  syncTask,
  v1CreateRequest,
  v1Inputs,
  v1SyncHeader,
  v2CreateRequest,
} from './support/tasks.js';
import { httpGet, parsePrometheus, sampleValue } from './support/util.js';

const JOB = { name: 'test_job', version: 0 };
const DEADLINE_EXCEEDED = 4;

let service: ServiceProcess;
let v1: Flyte1Client;
let v2: Flyte2Client;

beforeAll(async () => {
  service = await startService({ worker: 1 });
  v1 = new Flyte1Client(service.grpcPort);
  v2 = flyte2Client(service.grpcPort);
});

afterAll(async () => {
  v1?.close();
  v2?.close();
  await stopAllServices();
});

/** A quick create + get that must go through (within 3 s) if the worker slot is free. */
async function assertServiceResponsive(x: bigint): Promise<void> {
  const started = Date.now();
  const { resourceMeta } = await v2.async.createTask(v2CreateRequest(jobTask({ x })), { timeoutMs: 3_000 });
  const { resource } = await v2.async.getTask({ resourceMeta, taskCategory: JOB }, { timeoutMs: 3_000 });
  expect(resource?.phase).toBe(TaskExecution_Phase.SUCCEEDED);
  expect(Date.now() - started).toBeLessThan(1_500);
}

async function grpcErrorCount(code: string): Promise<number> {
  const { body } = await httpGet(service.metricsPort, '/metrics');
  return (
    sampleValue(parsePrometheus(body), 'flyte_connector_grpc_errors_total', {
      task_type: 'test_job',
      operation: 'create',
      code,
    }) ?? 0
  );
}

describe('deadlines', () => {
  it('Flyte 2: a hung CreateTask ends with DEADLINE_EXCEEDED at the caller’s 1 s deadline, and frees its worker', async () => {
    const started = Date.now();
    const error = await connectError(
      v2.async.createTask(v2CreateRequest(jobTask({ mode: 'hang' })), { timeoutMs: 1_000 }),
    );
    const elapsed = Date.now() - started;
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2_000);
    // With a single worker, this only works if the abandoned call gave its slot back.
    await assertServiceResponsive(3n);
  });

  it('Flyte 1: the same through grpc-js (propeller’s per-call deadline)', async () => {
    const started = Date.now();
    const error = await serviceError(
      v1.createTask(v1CreateRequest(jobTask({ mode: 'hang' })), { timeoutMs: 500 }),
    );
    expect(error.code).toBe(DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1_500);
    await assertServiceResponsive(4n);
  });

  it('Flyte 1 ExecuteTaskSync: a slow sync connector is cancelled at the deadline', async () => {
    const spec = syncTask('slow'); // the fixture waits 60 s, honouring its signal
    const started = Date.now();
    const error = await serviceError(
      v1.executeTaskSync(v1SyncHeader(spec), v1Inputs(spec), { timeoutMs: 500 }),
    );
    expect(error.code).toBe(DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1_500);
    await assertServiceResponsive(5n);
  });

  it('a call whose deadline passes while it waits for the worker never runs', async () => {
    const blocker = v2.async.createTask(v2CreateRequest(jobTask({ mode: 'slow-create', durationMs: 1_200 })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const queued = await connectError(
      v2.async.createTask(v2CreateRequest(jobTask({ mode: 'hang' })), { timeoutMs: 400 }),
    );
    expect(queued.code).toBe(Code.DeadlineExceeded);
    await blocker;
    // Had the queued (hanging) call started after the blocker, it would now hold the only worker.
    await assertServiceResponsive(6n);
  });

  // grpc-js runs its own deadline timer, and the client sends RST_STREAM at its deadline, so the server often sees a
  // 'cancelled' event before its own timer fires; callSignal (src/grpc/call-signal.ts) names a cancel that close to
  // the deadline a passed deadline, so metrics and connectors see DEADLINE_EXCEEDED, as the caller does.
  it('the server records a passed deadline as DEADLINE_EXCEEDED, not as a cancellation', async () => {
    const before = {
      deadline: await grpcErrorCount('DEADLINE_EXCEEDED'),
      cancelled: await grpcErrorCount('CANCELLED'),
    };
    // Which timer wins is a race, so several calls: each must be classified right.
    for (let i = 0; i < 6; i++) {
      const error = await connectError(
        v2.async.createTask(v2CreateRequest(jobTask({ mode: 'hang' })), { timeoutMs: 200 }),
      );
      expect(error.code).toBe(Code.DeadlineExceeded);
    }
    await assertServiceResponsive(8n);
    const after = {
      deadline: await grpcErrorCount('DEADLINE_EXCEEDED'),
      cancelled: await grpcErrorCount('CANCELLED'),
    };
    expect({
      deadline: after.deadline - before.deadline,
      cancelled: after.cancelled - before.cancelled,
    }).toEqual({
      deadline: 6,
      cancelled: 0,
    });
  });
});

describe('the worker limit (--worker 1)', () => {
  it('runs two slow creates one after the other', async () => {
    const started = Date.now();
    const finished: number[] = [];
    const slow = () =>
      v2.async
        .createTask(v2CreateRequest(jobTask({ mode: 'slow-create', durationMs: 500 })))
        .then(() => finished.push(Date.now() - started));
    await Promise.all([slow(), slow()]);
    finished.sort((a, b) => a - b);
    expect(finished[0]).toBeGreaterThanOrEqual(450);
    expect(finished[1]).toBeGreaterThanOrEqual(950);
  });

  it('answers ListConnectors at once even while the worker is busy (clients poll it with a short timeout)', async () => {
    const busy = v2.async.createTask(v2CreateRequest(jobTask({ mode: 'slow-create', durationMs: 800 })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const { connectors } = await v2.metadata.listConnectors({}, { timeoutMs: 3_000 });
    expect(connectors).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(300);
    await busy;
  });
});

describe('isolation from connector failures', () => {
  it('an exception thrown from a connector’s timer does not take the service down', async () => {
    const { resourceMeta } = await v2.async.createTask(v2CreateRequest(jobTask({ mode: 'exit', x: 10n })));
    await service.waitForLog((line) => line.text.includes('stray exception from a timer'), 5_000);
    expect(service.running).toBe(true);
    const { resource } = await v2.async.getTask({ resourceMeta, taskCategory: JOB });
    expect(resource?.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    await assertServiceResponsive(7n);
  });
});
