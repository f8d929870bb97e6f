// What deployments look at: gRPC health (readiness probes), reflection (grpcurl) and Prometheus metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flyte1Client } from './support/flyte1-client.js';
import { Code, connectError, flyte2Client, type Flyte2Client } from './support/flyte2-client.js';
import {
  healthCheck,
  healthList,
  healthWatch,
  reflectionListServices,
  reflectionRequest,
} from './support/grpc-extras.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import { jobTask, v1CreateRequest, v2CreateRequest } from './support/tasks.js';
import { findSamples, httpGet, parsePrometheus, pollUntil, sampleValue } from './support/util.js';

const FLYTE_SERVICES = [
  'flyteidl.service.AsyncAgentService',
  'flyteidl.service.SyncAgentService',
  'flyteidl.service.AgentMetadataService',
  'flyteidl2.connector.AsyncConnectorService',
  'flyteidl2.connector.ConnectorMetadataService',
];

let service: ServiceProcess;
let v2: Flyte2Client;

beforeAll(async () => {
  service = await startService();
  v2 = flyte2Client(service.grpcPort);
});

afterAll(async () => {
  v2?.close();
  await stopAllServices();
});

async function scrape() {
  const response = await httpGet(service.metricsPort, '/metrics');
  expect(response.status).toBe(200);
  expect(response.contentType).toContain('text/plain');
  return parsePrometheus(response.body);
}

describe('grpc.health.v1.Health', () => {
  it("reports SERVING for the server as a whole ('')", async () => {
    expect(await healthCheck(service.grpcPort, '')).toBe('SERVING');
  });

  it('reports SERVING for every connector service of both families', async () => {
    for (const name of FLYTE_SERVICES) expect(await healthCheck(service.grpcPort, name)).toBe('SERVING');
  });

  it('answers NOT_FOUND for a service it does not serve', async () => {
    await expect(healthCheck(service.grpcPort, 'no.such.Service')).rejects.toMatchObject({ code: 5 });
  });

  it('lists every service with its status', async () => {
    const statuses = await healthList(service.grpcPort);
    expect(statuses['']).toBe('SERVING');
    for (const name of FLYTE_SERVICES) expect(statuses[name]).toBe('SERVING');
  });

  it('Watch sends the status at once and again when it changes (SIGTERM: NOT_SERVING)', async () => {
    const own = await startService({ gracePeriod: 2 });
    const watch = healthWatch(own.grpcPort, '');
    const unknown = healthWatch(own.grpcPort, 'no.such.Service');
    try {
      await pollUntil(
        async () => watch.statuses.length + unknown.statuses.length,
        () => watch.statuses.length > 0 && unknown.statuses.length > 0,
        { timeoutMs: 5_000 },
      );
      expect(watch.statuses).toEqual(['SERVING']);
      expect(unknown.statuses).toEqual(['SERVICE_UNKNOWN']);
      own.child.kill('SIGTERM');
      await pollUntil(
        async () => watch.statuses.length,
        (n) => n > 1,
        { timeoutMs: 5_000 },
      );
      expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']);
    } finally {
      watch.close();
      unknown.close();
      await own.exited;
    }
  });
});

describe('grpc.reflection.v1.ServerReflection', () => {
  it('lists the connector services of both families', async () => {
    const services = await reflectionListServices(service.grpcPort);
    for (const name of FLYTE_SERVICES) expect(services).toContain(name);
  });

  it('returns the file descriptors of a service (what grpcurl needs to build requests)', async () => {
    const response = await reflectionRequest(service.grpcPort, {
      file_containing_symbol: 'flyteidl2.connector.AsyncConnectorService',
    });
    expect(response['message_response']).toBe('file_descriptor_response');
    const files = response['file_descriptor_response']['file_descriptor_proto'] as Buffer[];
    expect(files.length).toBeGreaterThan(0);
    expect(Buffer.concat(files).toString('latin1')).toContain('flyteidl2/connector/service.proto');
  });

  it('answers v1alpha too (older grpcurl), for Flyte 1 services', async () => {
    const response = await reflectionRequest(
      service.grpcPort,
      { file_containing_symbol: 'flyteidl.service.AsyncAgentService' },
      5_000,
      'v1alpha',
    );
    const files = response['file_descriptor_response']['file_descriptor_proto'] as Buffer[];
    expect(Buffer.concat(files).toString('latin1')).toContain('flyteidl/service/agent.proto');
  });
});

describe('Prometheus endpoint', () => {
  it('/healthz answers 200 while serving; unknown paths 404', async () => {
    expect((await httpGet(service.metricsPort, '/healthz')).status).toBe(200);
    expect((await httpGet(service.metricsPort, '/nope')).status).toBe(404);
  });

  it('counts successes and failures with the Python servers’ metric names and labels', async () => {
    const v1 = new Flyte1Client(service.grpcPort);
    try {
      // 2 creates (one per family), 1 get, 1 delete of test_job; 1 create of an unknown task type.
      const { resourceMeta } = await v2.async.createTask(v2CreateRequest(jobTask()));
      await v1.createTask(v1CreateRequest(jobTask()));
      await v2.async.getTask({ resourceMeta, taskCategory: { name: 'test_job', version: 0 } });
      await v2.async.deleteTask({ resourceMeta, taskCategory: { name: 'test_job', version: 0 } });
      const error = await connectError(
        v2.async.createTask(v2CreateRequest({ ...jobTask(), taskType: 'nope' })),
      );
      expect(error.code).toBe(Code.NotFound);
      const crash = await connectError(v2.async.createTask(v2CreateRequest(jobTask({ mode: 'throw' }))));
      expect(crash.code).toBe(Code.Internal);
    } finally {
      v1.close();
    }

    const samples = await scrape();
    const job = (operation: string) => ({ task_type: 'test_job', operation });
    expect(sampleValue(samples, 'flyte_connector_requests_success_total', job('create'))).toBe(2);
    expect(sampleValue(samples, 'flyte_connector_requests_success_total', job('get'))).toBe(1);
    expect(sampleValue(samples, 'flyte_connector_requests_success_total', job('delete'))).toBe(1);
    expect(
      sampleValue(samples, 'flyte_connector_requests_failure_total', {
        task_type: 'nope',
        operation: 'create',
        error_code: '404',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'flyte_connector_requests_failure_total', { ...job('create'), error_code: '500' }),
    ).toBe(1);

    // Latency summary: _count/_sum per task type and operation, no quantiles (as Python's prometheus_client);
    // percentiles come from the duration histogram.
    expect(sampleValue(samples, 'flyte_connector_request_latency_seconds_count', job('create'))).toBe(3);
    expect(
      sampleValue(samples, 'flyte_connector_request_latency_seconds_sum', job('create')),
    ).toBeGreaterThan(0);
    expect(findSamples(samples, 'flyte_connector_request_latency_seconds', job('create'))).toEqual([]);
    expect(sampleValue(samples, 'flyte_connector_request_duration_seconds_count', job('create'))).toBe(3);
    const buckets = findSamples(samples, 'flyte_connector_request_duration_seconds_bucket', job('create'));
    expect(buckets.find((s) => s.labels['le'] === '+Inf')?.value).toBe(3);

    // Input size summary, observed on create.
    expect(sampleValue(samples, 'flyte_connector_input_literal_bytes_count', { task_type: 'test_job' })).toBe(
      3,
    );
    expect(
      sampleValue(samples, 'flyte_connector_input_literal_bytes_sum', { task_type: 'test_job' }),
    ).toBeGreaterThan(0);

    // Nothing in flight now.
    expect(sampleValue(samples, 'flyte_connector_requests_in_flight', job('create'))).toBe(0);
  });

  it('the in-flight gauge counts a call while it runs', async () => {
    const slow = v2.async.createTask(v2CreateRequest(jobTask({ mode: 'slow-create', durationMs: 800 })));
    const during = await pollUntil(
      scrape,
      (samples) =>
        sampleValue(samples, 'flyte_connector_requests_in_flight', {
          task_type: 'test_job',
          operation: 'create',
        }) === 1,
      { timeoutMs: 600, intervalMs: 25 },
    );
    expect(
      sampleValue(during, 'flyte_connector_requests_in_flight', {
        task_type: 'test_job',
        operation: 'create',
      }),
    ).toBe(1);
    await slow;
    const after = await scrape();
    expect(
      sampleValue(after, 'flyte_connector_requests_in_flight', {
        task_type: 'test_job',
        operation: 'create',
      }),
    ).toBe(0);
  });
});
