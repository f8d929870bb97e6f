// Error paths: exact status codes and messages a Flyte client (and its user) gets for each kind of mistake.
import { randomBytes } from 'node:crypto';
import { TaskExecution_Phase } from '@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flyte1Client, serviceError } from './support/flyte1-client.js';
import { Code, connectError, flyte2Client, type Flyte2Client } from './support/flyte2-client.js';
import { rawUnaryCall } from './support/grpc-extras.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import {
  jobTask,
  secretTask,
  syncTask,
  v1CreateRequest,
  v1Inputs,
  v1SyncHeader,
  v2CreateRequest,
  withInputs,
} from './support/tasks.js';
import { stackFrames } from './support/util.js';

/** grpc-js status numbers (the same as connect's Code values). */
const Status = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
} as const;

const JOB = { name: 'test_job', version: 0 };
const TOKEN = 'errors-test-token-0001';

let service: ServiceProcess;
let v1: Flyte1Client;
let v2: Flyte2Client;

beforeAll(async () => {
  service = await startService();
  v1 = new Flyte1Client(service.grpcPort);
  v2 = flyte2Client(service.grpcPort);
});

afterAll(async () => {
  v1?.close();
  v2?.close();
  await stopAllServices();
});

describe('unknown task type', () => {
  const nope = { ...jobTask(), taskType: 'nope' };

  it('Flyte 2 CreateTask → NOT_FOUND naming the type and listing the available ones', async () => {
    const error = await connectError(v2.async.createTask(v2CreateRequest(nope)));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toContain('Cannot find connector for task type: nope');
    for (const available of ['test_job', 'test_secret', 'test_sync'])
      expect(error.rawMessage).toContain(available);
  });

  it('Flyte 1 CreateTask → NOT_FOUND naming the type and listing the available ones', async () => {
    const error = await serviceError(v1.createTask(v1CreateRequest(nope)));
    expect(error.code).toBe(Status.NOT_FOUND);
    expect(error.details).toContain('Cannot find connector for task type: nope');
    for (const available of ['test_job', 'test_secret', 'test_sync'])
      expect(error.details).toContain(available);
  });

  it('a known name with an unknown version → NOT_FOUND mentioning the version', async () => {
    const error = await connectError(v2.async.createTask(v2CreateRequest({ ...jobTask(), version: 7 })));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toContain('Cannot find connector for task type: test_job');
    expect(error.rawMessage).toContain('7');
  });

  it('GetTask with an unknown task category → NOT_FOUND', async () => {
    const { resourceMeta } = await v2.async.createTask(v2CreateRequest(jobTask()));
    const error = await connectError(
      v2.async.getTask({ resourceMeta, taskCategory: { name: 'nope', version: 0 } }),
    );
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toContain('Cannot find connector for task type: nope');
  });
});

describe('malformed requests → INVALID_ARGUMENT', () => {
  const garbage = [
    ['bytes that are not JSON', Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37])],
    ['JSON that is not an envelope', Buffer.from('{"hello":"world"}')],
    ['an envelope whose meta has the wrong shape', Buffer.from('{"v":1,"meta":{"jobId":42}}')],
    ['empty bytes', Buffer.alloc(0)],
  ] as const;

  for (const [what, bytes] of garbage) {
    it(`Flyte 2 GetTask with garbage resource_meta (${what})`, async () => {
      const error = await connectError(v2.async.getTask({ resourceMeta: bytes, taskCategory: JOB }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(/resource_meta/i);
    });
  }

  it('Flyte 1 GetTask and DeleteTask with garbage resource_meta', async () => {
    const request = { resource_meta: Buffer.from('not json at all'), task_category: JOB };
    const get = await serviceError(v1.getTask(request));
    expect(get.code).toBe(Status.INVALID_ARGUMENT);
    expect(get.details).toMatch(/resource_meta/i);
    const del = await serviceError(v1.deleteTask(request));
    expect(del.code).toBe(Status.INVALID_ARGUMENT);
  });

  it('Flyte 2 GetTask without task_category', async () => {
    const { resourceMeta } = await v2.async.createTask(v2CreateRequest(jobTask()));
    const error = await connectError(v2.async.getTask({ resourceMeta }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain('task_category');
  });

  it('Flyte 1 GetTask with neither task_category nor task_type', async () => {
    const { resource_meta } = await v1.createTask(v1CreateRequest(jobTask()));
    const error = await serviceError(v1.getTask({ resource_meta }));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.details).toContain('task_category');
  });

  it('CreateTask without a template (both families)', async () => {
    const v2Error = await connectError(
      v2.async.createTask(v2CreateRequest(jobTask(), { withoutTemplate: true })),
    );
    expect(v2Error.code).toBe(Code.InvalidArgument);
    expect(v2Error.rawMessage).toContain('template');
    const v1Error = await serviceError(v1.createTask(v1CreateRequest(jobTask(), { withoutTemplate: true })));
    expect(v1Error.code).toBe(Status.INVALID_ARGUMENT);
    expect(v1Error.details).toContain('template');
  });

  it('a required parameter missing: test_secret without a token names `token`', async () => {
    const v2Error = await connectError(v2.async.createTask(v2CreateRequest(secretTask())));
    expect(v2Error.code).toBe(Code.InvalidArgument);
    expect(v2Error.rawMessage).toContain("'token'");
    // Flyte 1 has no per-request secrets; this service has no secrets directory either.
    const v1Error = await serviceError(v1.createTask(v1CreateRequest(secretTask())));
    expect(v1Error.code).toBe(Status.INVALID_ARGUMENT);
    expect(v1Error.details).toContain("'token'");
  });

  it('a required parameter missing: test_secret without custom.region names `region`', async () => {
    const request = v2CreateRequest(secretTask({ region: null }), { secrets: { test_token: TOKEN } });
    const error = await connectError(v2.async.createTask(request));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain("'region'");
    expect(error.rawMessage).not.toContain(TOKEN);
  });

  it('an input whose literal does not match its declared type names the input', async () => {
    // x is declared INTEGER, but a string literal is sent.
    const spec = withInputs(jobTask(), { x: { declared: 'INTEGER', value: 'forty-two' } });
    const v2Error = await connectError(v2.async.createTask(v2CreateRequest(spec)));
    expect(v2Error.code).toBe(Code.InvalidArgument);
    expect(v2Error.rawMessage).toContain("'x'");
    expect(v2Error.rawMessage).toMatch(/integer/i);
    const v1Error = await serviceError(v1.createTask(v1CreateRequest(spec)));
    expect(v1Error.code).toBe(Status.INVALID_ARGUMENT);
    expect(v1Error.details).toContain("'x'");
  });

  it('a request body that is not a protobuf message (raw bytes) → INVALID_ARGUMENT', async () => {
    // 0x07 is field number 0 with wire type 7: never valid, so the bytes cannot accidentally decode.
    const body = Buffer.concat([Buffer.from([0x07]), randomBytes(64)]);
    const error = await rawUnaryCall(
      service.grpcPort,
      '/flyteidl2.connector.AsyncConnectorService/GetTask',
      body,
    ).then(
      () => {
        throw new Error('expected the call to fail');
      },
      (e: { code: number; details: string }) => e,
    );
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.details).toContain('flyteidl2.connector.GetTaskRequest');
    const v1Error = await rawUnaryCall(
      service.grpcPort,
      '/flyteidl.service.AsyncAgentService/CreateTask',
      body,
    ).then(
      () => {
        throw new Error('expected the call to fail');
      },
      (e: { code: number; details: string }) => e,
    );
    expect(v1Error.code).toBe(Status.INVALID_ARGUMENT);
  });
});

describe('connector failures', () => {
  it('a connector throwing a TypeError → INTERNAL with the message and no stack trace', async () => {
    const v2Error = await connectError(v2.async.createTask(v2CreateRequest(jobTask({ mode: 'throw' }))));
    expect(v2Error.code).toBe(Code.Internal);
    expect(v2Error.rawMessage).toContain('TypeError');
    expect(v2Error.rawMessage).toContain('boom in create');
    expect(v2Error.rawMessage).toContain('Test Job Connector');
    expect(stackFrames(v2Error.rawMessage)).toEqual([]);
    expect(v2Error.rawMessage).not.toMatch(/\bat .*:\d+:\d+/); // no frame like "at create (file.ts:61:34)"

    const v1Error = await serviceError(v1.createTask(v1CreateRequest(jobTask({ mode: 'throw' }))));
    expect(v1Error.code).toBe(Status.INTERNAL);
    expect(v1Error.details).toContain('boom in create');
    expect(stackFrames(v1Error.details)).toEqual([]);
  });

  it('the backend being unreachable during GetTask → OK, phase RUNNING with a message (Flyte keeps polling)', async () => {
    const { resourceMeta } = await v2.async.createTask(v2CreateRequest(jobTask({ mode: 'unavailable' })));
    const { resource } = await v2.async.getTask({ resourceMeta, taskCategory: JOB });
    expect(resource?.phase).toBe(TaskExecution_Phase.RUNNING);
    expect(resource?.message).toContain('test backend unreachable');

    const v1Response = await v1.getTask({ resource_meta: Buffer.from(resourceMeta), task_category: JOB });
    expect(v1Response['resource']['phase']).toBe('RUNNING');
    expect(v1Response['resource']['state']).toBe('RUNNING');
    expect(v1Response['resource']['message']).toContain('test backend unreachable');
  });

  it('ExecuteTaskSync for an async connector → FAILED_PRECONDITION', async () => {
    const spec = jobTask();
    const error = await serviceError(v1.executeTaskSync(v1SyncHeader(spec), v1Inputs(spec)));
    expect(error.code).toBe(Status.FAILED_PRECONDITION);
    expect(error.details).toContain('CreateTask');
  });

  it('ExecuteTaskSync for an unknown task type → NOT_FOUND', async () => {
    const spec = { ...syncTask(), taskType: 'nope' };
    const error = await serviceError(v1.executeTaskSync(v1SyncHeader(spec), v1Inputs(spec)));
    expect(error.code).toBe(Status.NOT_FOUND);
    expect(error.details).toContain('Cannot find connector for task type: nope');
  });

  it('the service keeps answering after all of the above', async () => {
    const { resourceMeta } = await v2.async.createTask(v2CreateRequest(jobTask({ x: 2n })));
    const { resource } = await v2.async.getTask({ resourceMeta, taskCategory: JOB });
    expect(resource?.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(service.running).toBe(true);
    // Every failure above was the caller's or the connector's; none may have been logged as a crash of the service.
    expect(service.output).not.toContain('uncaught exception');
    expect(service.output).not.toContain('unhandled promise rejection');
  });
});
