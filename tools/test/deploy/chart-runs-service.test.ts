// The container the chart renders, run for real: the rendered environment and arguments start this workspace's
// `flyte-connect serve`, the kubelet's gRPC probe (grpc.health.v1.Health/Check on the probe's port and service)
// answers SERVING, and on SIGTERM the server stops being ready and exits well inside the pod's grace period.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { credentials, makeClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../../src/deploy/chart.ts';
import { ensureDeployTools, type DeployTools } from '../../src/deploy/ensure-tools.ts';
import { KUBERNETES_SCHEMAS } from '../../src/deploy/pins.ts';
import { ALL_FEATURES, deploymentSpec, envOf, serviceContainer } from './fixtures.ts';

const CLI = resolve(import.meta.dirname, '../../../packages/core/dist/cli/main.js');

let tools: DeployTools;
const scratch = mkdtempSync(join(tmpdir(), 'flyte-connect-chart-run-'));

beforeAll(() => {
  tools = ensureDeployTools();
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

type HealthClient = Client & {
  check(
    request: { service: string },
    callback: (error: ServiceError | null, response?: { status: string }) => void,
  ): void;
};

function healthStatus(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve) => {
    client.check({ service }, (error, response) =>
      resolve(error ? `error: ${error.code}` : response!.status),
    );
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the rendered container', () => {
  it('sets only server options that `flyte-connect serve --help` documents', () => {
    const rendered = renderChart(tools, {
      values: ALL_FEATURES,
      kubernetesVersion: KUBERNETES_SCHEMAS.kubernetesVersions[1],
    });
    if (!rendered.ok) throw new Error(rendered.error);
    const help = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    // Commander wraps long lines; compare with the line breaks folded away.
    const documented = help.stdout.replace(/\s+/g, ' ');
    const container = serviceContainer(rendered.manifests);
    const serverVariables = Object.keys(envOf(container)).filter((name) =>
      name.startsWith('FLYTE_CONNECTOR_'),
    );
    expect(serverVariables.length).toBeGreaterThanOrEqual(7);
    for (const name of [...serverVariables, 'LOG_LEVEL']) expect(documented).toContain(`env: ${name}`);
    for (const flag of container.args!.filter((arg) => arg.startsWith('--')))
      expect(documented).toContain(flag);
  });

  it('serves the probed health service and drains within the termination grace period', async () => {
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const rendered = renderChart(tools, {
      values: { server: { grpcPort, metricsPort, gracePeriodSeconds: 5 } },
      kubernetesVersion: KUBERNETES_SCHEMAS.kubernetesVersions[1],
    });
    if (!rendered.ok) throw new Error(rendered.error);
    const pod = deploymentSpec(rendered.manifests).template.spec;
    const container = serviceContainer(rendered.manifests);
    const probe = container.readinessProbe as { grpc: { port: number; service: string } };
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...envOf(container),
      // The pod's volumes, and a loopback bind instead of every interface, are the only substitutions.
      FLYTE_CONNECTOR_HOST: '127.0.0.1',
      FLYTE_CONNECTOR_SECRETS_DIR: join(scratch, 'secrets'),
      TMPDIR: scratch,
      METADATA_SERVER_DETECTION: 'none',
      SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
    };
    // Started from an empty directory, discovery finds no connector packages: the test is about the deployment
    // contract, not the connectors.
    const server: ChildProcess = spawn(process.execPath, [CLI, 'serve', ...(container.args ?? [])], {
      cwd: scratch,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(server, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
    const client = new Health(
      `127.0.0.1:${probe.grpc.port}`,
      credentials.createInsecure(),
    ) as unknown as HealthClient;
    try {
      await waitFor(
        'SERVING',
        async () => (await healthStatus(client, probe.grpc.service)) === 'SERVING',
        20_000,
      );
      const metrics = await fetch(
        `http://127.0.0.1:${Number(envOf(container).FLYTE_CONNECTOR_PROMETHEUS_PORT)}/metrics`,
      );
      expect(await metrics.text()).toContain('flyte_connector_requests_success_total');

      const sigterm = Date.now();
      server.kill('SIGTERM');
      const [code] = await exited;
      const drainedInMs = Date.now() - sigterm;
      expect(code, output).toBe(0);
      expect(drainedInMs).toBeLessThan((pod.terminationGracePeriodSeconds! - preStop) * 1000);
      expect(await healthStatus(client, probe.grpc.service)).toMatch(/^error/);
    } finally {
      client.close();
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });
});
