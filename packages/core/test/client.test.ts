// The protocol clients core ships for the runner, the engine and the acceptance kit, against the real service
// (both gRPC families) and in-process against the same fixture connectors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectorCallError,
  createGrpcClient,
  createInProcessClient,
  type ConnectorClient,
} from '@org/connector-core';
import { TestJobConnector, TestSecretConnector, TestSyncConnector } from './fixtures/test-connectors.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import { jobTask, v2ExecutionMetadata, v2Inputs, v2Output, v2Template } from './support/tasks.js';

let service: ServiceProcess;
const clients: Record<string, () => ConnectorClient> = {
  v1: () => createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol: 'v1' }),
  v2: () => createGrpcClient({ endpoint: `127.0.0.1:${service.grpcPort}`, protocol: 'v2' }),
  'in-process': () =>
    createInProcessClient({
      connectors: [new TestJobConnector(), new TestSecretConnector(), new TestSyncConnector()],
      env: {},
      secretsDir: '/nonexistent/flyte-connect-test-secrets',
    }),
};

beforeAll(async () => {
  service = await startService();
});

afterAll(async () => {
  await stopAllServices();
});

describe.each(Object.keys(clients))('%s client', (protocol) => {
  let client: ConnectorClient;
  beforeAll(() => {
    client = clients[protocol]!();
  });
  afterAll(() => client.close());

  it('lists the connectors with their categories and sync flag', async () => {
    const listed = await client.list();
    const job = listed.find((c) => c.name === 'Test Job Connector');
    expect(job?.categories).toEqual([{ name: 'test_job', version: 0 }]);
    // Flyte 2 has no is_sync; Flyte 1 and in-process report it.
    if (protocol !== 'v2') expect(listed.find((c) => c.name === 'Test Sync Connector')?.isSync).toBe(true);
  });

  it('creates, polls to SUCCEEDED with the converted output, and deletes', async () => {
    const spec = jobTask({ x: 21n, durationMs: 200 });
    const category = { name: 'test_job', version: 0 };
    const resourceMeta = await client.create({
      template: v2Template(spec),
      inputs: v2Inputs(spec).literals,
      outputPrefix: 's3://bucket/prefix',
      metadata: v2ExecutionMetadata(spec),
    });
    const task = { category, resourceMeta, outputPrefix: 's3://bucket/prefix' };
    const first = await client.get(task);
    expect(first.phase as number).toBe(2); // RUNNING: the fixture job needs 200 ms
    let resource = first;
    for (let i = 0; i < 50 && (resource.phase as number) !== 3; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      resource = await client.get(task);
    }
    expect(resource.phase as number).toBe(3);
    expect(v2Output(resource as never, 'result')).toBe(42n);
    await expect(client.delete(task)).resolves.toBeUndefined();
  });

  it('rejects with a ConnectorCallError whose kind mirrors the status', async () => {
    const error = await client
      .get({ category: { name: 'nope', version: 0 }, resourceMeta: new Uint8Array([1]), outputPrefix: '' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(ConnectorCallError.is(error)).toBe(true);
    expect((error as ConnectorCallError).kind).toBe('NOT_FOUND');
    expect((error as ConnectorCallError).message).toContain('Cannot find connector for task type: nope');
  });
});
