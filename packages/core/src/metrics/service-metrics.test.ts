import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, ServiceMetrics } from './service-metrics.js';

function setup(options: { maxTaskTypes?: number } = {}): { metrics: ServiceMetrics; registry: Registry } {
  const registry = new Registry();
  return { metrics: new ServiceMetrics(registry, { defaultMetrics: false, ...options }), registry };
}

/** The sample lines of one metric, without HELP/TYPE, e.g. `name{a="b"} 1`. */
async function samples(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.getSingleMetricAsString(name);
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('ServiceMetrics', () => {
  it('counts successes and failures with the labels of the Python servers', async () => {
    const { metrics, registry } = setup();
    metrics.startCall('bigquery_query_job_task', 'create').succeed();
    metrics.startCall('bigquery_query_job_task', 'get').succeed();
    metrics.startCall('bigquery_query_job_task', 'get').succeed();
    metrics.startCall('bigquery_query_job_task', 'get').fail('UNAVAILABLE');
    metrics.startCall('snowflake', 'create').fail('NOT_FOUND');
    metrics.startCall('bigquery_query_job_task', 'delete').fail('INTERNAL');

    expect(await samples(registry, METRIC_NAMES.success)).toEqual([
      'flyte_connector_requests_success_total{task_type="bigquery_query_job_task",operation="create"} 1',
      'flyte_connector_requests_success_total{task_type="bigquery_query_job_task",operation="get"} 2',
      'flyte_connector_requests_success_total{task_type="bigquery_query_job_task",operation="delete"} 0',
      'flyte_connector_requests_success_total{task_type="snowflake",operation="create"} 0',
    ]);
    expect(await samples(registry, METRIC_NAMES.failure)).toEqual([
      'flyte_connector_requests_failure_total{task_type="bigquery_query_job_task",operation="get",error_code="500"} 1',
      'flyte_connector_requests_failure_total{task_type="bigquery_query_job_task",operation="delete",error_code="500"} 1',
      'flyte_connector_requests_failure_total{task_type="snowflake",operation="create",error_code="404"} 1',
    ]);
    expect(await samples(registry, METRIC_NAMES.grpcErrors)).toEqual([
      'flyte_connector_grpc_errors_total{task_type="bigquery_query_job_task",operation="get",code="UNAVAILABLE"} 1',
      'flyte_connector_grpc_errors_total{task_type="bigquery_query_job_task",operation="delete",code="INTERNAL"} 1',
      'flyte_connector_grpc_errors_total{task_type="snowflake",operation="create",code="NOT_FOUND"} 1',
    ]);
  });

  it('exposes the metric types the dashboards expect', async () => {
    const { registry } = setup();
    const text = await registry.metrics();
    expect(text).toContain('# TYPE flyte_connector_requests_success_total counter');
    expect(text).toContain('# TYPE flyte_connector_requests_failure_total counter');
    expect(text).toContain('# TYPE flyte_connector_request_latency_seconds summary');
    expect(text).toContain('# TYPE flyte_connector_input_literal_bytes summary');
    expect(text).toContain('# TYPE flyte_connector_requests_in_flight gauge');
    expect(text).toContain('# TYPE flyte_connector_queue_wait_seconds histogram');
  });

  it('tracks calls in flight and observes latency on success and failure', async () => {
    const { metrics, registry } = setup();
    const first = metrics.startCall('t', 'get');
    const second = metrics.startCall('t', 'get');
    expect(await samples(registry, METRIC_NAMES.inFlight)).toEqual([
      'flyte_connector_requests_in_flight{task_type="t",operation="get"} 2',
    ]);

    await new Promise((resolve) => setTimeout(resolve, 20));
    first.succeed();
    second.fail('DEADLINE_EXCEEDED');
    // A second end of the same call is ignored rather than counted twice.
    first.fail('INTERNAL');
    second.succeed();

    expect(await samples(registry, METRIC_NAMES.inFlight)).toEqual([
      'flyte_connector_requests_in_flight{task_type="t",operation="get"} 0',
    ]);
    const latency = await samples(registry, METRIC_NAMES.latency);
    expect(latency).toContain(
      'flyte_connector_request_latency_seconds_count{task_type="t",operation="get"} 2',
    );
    const sum = latency.find((line) => line.startsWith('flyte_connector_request_latency_seconds_sum'));
    expect(Number(sum?.split(' ')[1])).toBeGreaterThanOrEqual(0.035);
    // Like Python's prometheus_client: a summary without quantiles.
    expect(latency.filter((line) => line.includes('quantile='))).toEqual([]);
    const duration = await samples(registry, METRIC_NAMES.duration);
    expect(duration).toContain(
      'flyte_connector_request_duration_seconds_count{task_type="t",operation="get"} 2',
    );
    expect(duration).toContain(
      'flyte_connector_request_duration_seconds_bucket{le="0.001",task_type="t",operation="get"} 0',
    );
    expect(await samples(registry, METRIC_NAMES.success)).toEqual([
      'flyte_connector_requests_success_total{task_type="t",operation="get"} 1',
    ]);
  });

  it('observes input sizes per task type and queue waits per operation', async () => {
    const { metrics, registry } = setup();
    metrics.observeInputBytes('t', 100);
    metrics.observeInputBytes('t', 300);
    metrics.observeQueueWait('create', 0.002);
    metrics.observeQueueWait('create', 3);

    const inputBytes = await samples(registry, METRIC_NAMES.inputBytes);
    expect(inputBytes).toContain('flyte_connector_input_literal_bytes_sum{task_type="t"} 400');
    expect(inputBytes).toContain('flyte_connector_input_literal_bytes_count{task_type="t"} 2');
    const queueWait = await samples(registry, METRIC_NAMES.queueWait);
    expect(queueWait).toContain('flyte_connector_queue_wait_seconds_bucket{le="0.001",operation="create"} 0');
    expect(queueWait).toContain('flyte_connector_queue_wait_seconds_bucket{le="0.005",operation="create"} 1');
    expect(queueWait).toContain('flyte_connector_queue_wait_seconds_bucket{le="+Inf",operation="create"} 2');
  });

  it('counts task types beyond the limit under __other__', async () => {
    const { metrics, registry } = setup({ maxTaskTypes: 2 });
    for (const taskType of ['a', 'b', 'c', 'd', 'a']) metrics.startCall(taskType, 'create').fail('NOT_FOUND');
    metrics.observeInputBytes('e', 10);

    expect(await samples(registry, METRIC_NAMES.failure)).toEqual([
      'flyte_connector_requests_failure_total{task_type="a",operation="create",error_code="404"} 2',
      'flyte_connector_requests_failure_total{task_type="b",operation="create",error_code="404"} 1',
      'flyte_connector_requests_failure_total{task_type="__other__",operation="create",error_code="404"} 2',
    ]);
    expect(await samples(registry, METRIC_NAMES.inputBytes)).toContain(
      'flyte_connector_input_literal_bytes_count{task_type="__other__"} 1',
    );
  });

  it('registers the process metrics, including event loop lag, on its own registry only', async () => {
    const registry = new Registry();
    new ServiceMetrics(registry);
    const text = await registry.metrics();
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_cpu_user_seconds_total');
    // A second service in the same process (tests, embedding) does not clash.
    expect(() => new ServiceMetrics(new Registry())).not.toThrow();
  });
});
