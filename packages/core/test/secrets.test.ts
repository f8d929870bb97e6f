// Secrets: per-request (Flyte 2 connection.secrets) and server-side (Flyte 1 secrets directory). A secret value must
// never reach a caller-visible message, a resource_meta, a log line or a metric; a rotated secret file must be
// picked up without a restart.
import { mkdtempSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskExecution_Phase } from '@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flyte1Client, serviceError, type V1Message } from './support/flyte1-client.js';
import { Code, connectError, flyte2Client, type Flyte2Client } from './support/flyte2-client.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import { secretTask, v1CreateRequest, v2CreateRequest } from './support/tasks.js';
import { httpGet, pollUntil } from './support/util.js';

const CANARY = 'canary-SECRET-123456';
const SECRET_CATEGORY = { name: 'test_secret', version: 1 };
const Status = { INVALID_ARGUMENT: 3, INTERNAL: 13 } as const;

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

let secretsDir: string;
let service: ServiceProcess;
let v1: Flyte1Client;
let v2: Flyte2Client;

beforeAll(async () => {
  secretsDir = tempDir('flyte-connect-secrets-');
  // Written with a trailing newline, as `kubectl create secret --from-file` of an edited file often is.
  writeFileSync(join(secretsDir, 'test_token'), `${CANARY}\n`);
  service = await startService({ secretsDir });
  v1 = new Flyte1Client(service.grpcPort);
  v2 = flyte2Client(service.grpcPort);
});

afterAll(async () => {
  v1?.close();
  v2?.close();
  await stopAllServices();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Every text a caller can see in a response (error details included), for leak checks. */
function visible(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : typeof v === 'bigint' ? v.toString() : v,
  );
}

describe('Flyte 2: the token arrives in connection.secrets', () => {
  const secrets = { test_token: CANARY };

  it('create succeeds and GetTask sees the token (sent again with the connection)', async () => {
    const { resourceMeta } = await v2.async.createTask(v2CreateRequest(secretTask(), { secrets }));
    expect(Buffer.from(resourceMeta).toString('latin1')).not.toContain(CANARY);
    const { resource } = await v2.async.getTask({
      resourceMeta,
      taskCategory: SECRET_CATEGORY,
      connection: { taskType: 'test_secret', secrets, configs: {} },
    });
    expect(resource?.phase).toBe(TaskExecution_Phase.SUCCEEDED);
    expect(resource?.message).toBe('token present at get');
    expect(resource?.customInfo).toEqual({ id: 'eu-west-1-job' });
  });

  it('an error quoting the token reaches the caller without it', async () => {
    const error = await connectError(
      v2.async.createTask(v2CreateRequest(secretTask({ behaviour: 'leak-error' }), { secrets })),
    );
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toContain('vendor said: invalid token');
    expect(error.rawMessage).not.toContain(CANARY);
    expect(visible(error.metadata)).not.toContain(CANARY);
  });

  it('a resource_meta holding the token is refused (INTERNAL), so Flyte never persists it', async () => {
    const error = await connectError(
      v2.async.createTask(v2CreateRequest(secretTask({ behaviour: 'leak-meta' }), { secrets })),
    );
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toContain('secret');
    expect(error.rawMessage).not.toContain(CANARY);
    expect(visible(error.metadata)).not.toContain(CANARY);
  });
});

describe('Flyte 1: the token comes from the server secrets directory', () => {
  it('create succeeds and GetTask sees the token', async () => {
    const { resource_meta } = await v1.createTask(v1CreateRequest(secretTask()));
    expect((resource_meta as Buffer).toString('latin1')).not.toContain(CANARY);
    const response = await v1.getTask({ resource_meta, task_category: SECRET_CATEGORY });
    expect(response['resource']['phase']).toBe('SUCCEEDED');
    expect(response['resource']['message']).toBe('token present at get');
  });

  it('an error quoting the token reaches the caller without it', async () => {
    const error = await serviceError(v1.createTask(v1CreateRequest(secretTask({ behaviour: 'leak-error' }))));
    expect(error.code).toBe(Status.INTERNAL);
    expect(error.details).toContain('vendor said: invalid token');
    expect(error.details).not.toContain(CANARY);
    expect(error.message).not.toContain(CANARY);
  });

  it('a resource_meta holding the token is refused (INTERNAL)', async () => {
    const error = await serviceError(v1.createTask(v1CreateRequest(secretTask({ behaviour: 'leak-meta' }))));
    expect(error.code).toBe(Status.INTERNAL);
    expect(error.details).not.toContain(CANARY);
  });
});

describe('nothing leaks to logs or metrics', () => {
  it('no log line of the service contains the token, although the connector logged it', async () => {
    // The fixture logs `creating with token <token>` on every create: the line must be there, redacted. The service
    // writes it before it answers, but this process reads the service's stdout and its socket as separate streams,
    // so the last create's line may be read just after its answer.
    const creatingLines = () => service.logs.filter((line) => line.text.includes('creating with token'));
    await expect.poll(() => creatingLines().length, { timeout: 5_000 }).toBeGreaterThanOrEqual(6);
    const creating = creatingLines();
    for (const line of creating) expect(line.text).toContain('[REDACTED]');
    const leaking = service.logs.filter(
      (line) => line.text.includes(CANARY) || line.text.includes('canary-SECRET'),
    );
    expect(leaking.map((line) => line.text)).toEqual([]);
  });

  it('the Prometheus text does not contain the token', async () => {
    const { status, body } = await httpGet(service.metricsPort, '/metrics');
    expect(status).toBe(200);
    expect(body).toContain('flyte_connector_requests_success_total');
    expect(body).not.toContain(CANARY);
  });
});

describe('rotating the server secret without a restart', () => {
  const file = () => join(secretsDir, 'test_token');
  const create = () => v1.createTask(v1CreateRequest(secretTask()));
  const outcome = (call: Promise<V1Message>) =>
    call.then(
      () => 'ok',
      (error: { code: number; details: string }) => `${error.code}: ${error.details}`,
    );

  it('a removed secret file is noticed, and a newly written one is read', async () => {
    expect(await outcome(create())).toBe('ok');

    // Without the file the token is missing: proves the cached value was dropped when the file changed.
    rmSync(file());
    const missing = await pollUntil(
      () => outcome(create()),
      (o) => o !== 'ok',
      { timeoutMs: 5_000 },
    );
    expect(missing).toMatch(new RegExp(`^${Status.INVALID_ARGUMENT}: .*'token'`));

    // A new value is written: creates succeed again without a restart.
    writeFileSync(file(), 'rotated-SECRET-654321\n');
    expect(
      await pollUntil(
        () => outcome(create()),
        (o) => o === 'ok',
        { timeoutMs: 5_000 },
      ),
    ).toBe('ok');
  });

  it('the value in use after a rotation is the new one', async () => {
    // Values shorter than 4 characters are not redacted (they would mangle unrelated text), so a short rotated
    // value shows up in the connector's own error message: that proves which value the connector received.
    writeFileSync(file(), 'k9z');
    const leaked = await pollUntil(
      () => outcome(v1.createTask(v1CreateRequest(secretTask({ behaviour: 'leak-error' })))),
      (o) => o.includes('invalid token k9z'),
      { timeoutMs: 5_000 },
    );
    expect(leaked).toContain('vendor said: invalid token k9z');
  });

  it('a Kubernetes-style update (the ..data symlink swapped atomically) is picked up', async () => {
    // The layout kubelet writes for a mounted Secret: key -> ..data/key, ..data -> ..<timestamp>/
    const dir = tempDir('flyte-connect-k8s-secrets-');
    mkdirSync(join(dir, '..2026_01_01'));
    writeFileSync(join(dir, '..2026_01_01', 'test_token'), 'first-k8s-value-0001');
    symlinkSync('..2026_01_01', join(dir, '..data'));
    symlinkSync('..data/test_token', join(dir, 'test_token'));
    const k8s = await startService({ secretsDir: dir });
    const client = new Flyte1Client(k8s.grpcPort);
    try {
      const leakError = () =>
        outcome(client.createTask(v1CreateRequest(secretTask({ behaviour: 'leak-error' }))));
      // The first value is long, so it is redacted.
      expect(await leakError()).toContain('invalid token [REDACTED]');

      // kubelet's update: write the new version, point ..data_tmp at it, rename over ..data.
      mkdirSync(join(dir, '..2026_01_02'));
      writeFileSync(join(dir, '..2026_01_02', 'test_token'), 'k8s');
      symlinkSync('..2026_01_02', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, '..2026_01_01'), { recursive: true });

      const after = await pollUntil(leakError, (o) => o.includes('invalid token k8s'), { timeoutMs: 5_000 });
      expect(after).toContain('vendor said: invalid token k8s');
      expect(k8s.output).not.toContain('first-k8s-value-0001');
    } finally {
      await k8s.stop();
      client.close();
    }
  });
});
