import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogFn, Logger } from '../logger.js';
import { startMetricsServer, type MetricsServer } from './http-server.js';
import { ServiceMetrics } from './service-metrics.js';

const ignore = (() => undefined) as LogFn;
const logger: Logger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => logger,
};

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(
  health: () => boolean | { serving: boolean },
): Promise<{ base: string; registry: Registry }> {
  const registry = new Registry();
  const metrics = new ServiceMetrics(registry, { defaultMetrics: false });
  metrics.startCall('bigquery_query_job_task', 'create').succeed();
  server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry, health, logger });
  return { base: `http://127.0.0.1:${server.port}`, registry };
}

describe('startMetricsServer', () => {
  it('serves the registry in Prometheus text format on a free port', async () => {
    const { base, registry } = await start(() => true);
    expect(server?.port).toBeGreaterThan(0);

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(await response.text()).toContain(
      'flyte_connector_requests_success_total{task_type="bigquery_query_job_task",operation="create"} 1',
    );
    expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
  });

  it('answers /healthz with 200 while serving and 503 while draining', async () => {
    let serving = true;
    const { base } = await start(() => ({ serving }));

    const ok = await fetch(`${base}/healthz`);
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    serving = false;
    const draining = await fetch(`${base}/healthz`);
    expect([draining.status, await draining.text()]).toEqual([503, 'draining']);
  });

  it('accepts a boolean health check', async () => {
    const { base } = await start(() => false);
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const { base } = await start(() => true);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metricsx`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('fails with the address when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(
        startMetricsServer({ port, host: '127.0.0.1', registry: new Registry(), health: () => true, logger }),
      ).rejects.toThrow(`Cannot listen for metrics on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('closes while a scraper holds a keep-alive connection', async () => {
    const { base } = await start(() => true);
    await (await fetch(`${base}/metrics`)).text();
    const closing = server!.close();
    server = undefined;
    await expect(closing).resolves.toBeUndefined();
  });
});
