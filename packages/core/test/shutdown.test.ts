// SIGTERM (what Kubernetes sends on a rollout): the service drains — health NOT_SERVING, new calls refused,
// in-flight calls finish — and exits 0, promptly.
import { afterAll, describe, expect, it } from 'vitest';
import { Flyte1Client, serviceError } from './support/flyte1-client.js';
import { Code, connectError, flyte2Client } from './support/flyte2-client.js';
import { healthCheck } from './support/grpc-extras.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import { jobTask, v1CreateRequest, v2CreateRequest } from './support/tasks.js';
import { httpGet, sleep } from './support/util.js';

const UNAVAILABLE = 14;

afterAll(stopAllServices);

/** Resolves with the exit code, or rejects when the process has not exited within `ms`. */
function exitWithin(service: ServiceProcess, ms: number): Promise<number | NodeJS.Signals> {
  return Promise.race([
    service.exited,
    sleep(ms).then(() => {
      throw new Error(`the service did not exit within ${ms} ms after SIGTERM\n${service.describe()}`);
    }),
  ]);
}

describe('SIGTERM drain', () => {
  it('finishes the in-flight call, refuses new ones, reports NOT_SERVING, then exits 0', async () => {
    const service = await startService({ gracePeriod: 10 });
    const v2 = flyte2Client(service.grpcPort);
    const v1 = new Flyte1Client(service.grpcPort);
    try {
      // Warm both connections up, so that the refusals below come from the service and not from a failed connect.
      await v2.metadata.listConnectors({});
      await v1.listAgents();

      const started = Date.now();
      const inFlight = v2.async.createTask(
        v2CreateRequest(jobTask({ mode: 'slow-create', durationMs: 1_500 })),
      );
      await sleep(300);
      service.child.kill('SIGTERM');
      await service.waitForEvent('draining', 2_000);

      // Readiness: gRPC health and /healthz report the drain, so that the pod leaves the Service endpoints.
      expect(await healthCheck(service.grpcPort, '')).toBe('NOT_SERVING');
      expect(await healthCheck(service.grpcPort, 'flyteidl2.connector.AsyncConnectorService')).toBe(
        'NOT_SERVING',
      );
      expect(await healthCheck(service.grpcPort, 'flyteidl.service.AsyncAgentService')).toBe('NOT_SERVING');
      expect((await httpGet(service.metricsPort, '/healthz')).status).toBe(503);

      // New calls are refused with UNAVAILABLE, which clients retry (on another replica).
      const refused2 = await connectError(v2.async.createTask(v2CreateRequest(jobTask())));
      expect(refused2.code).toBe(Code.Unavailable);
      const refused1 = await serviceError(v1.createTask(v1CreateRequest(jobTask())));
      expect(refused1.code).toBe(UNAVAILABLE);

      // The call that was running when SIGTERM arrived completes normally.
      const { resourceMeta } = await inFlight;
      expect(resourceMeta.byteLength).toBeGreaterThan(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);

      // And the process exits 0, soon after the last call (not at the end of the 10 s grace period).
      const finished = Date.now();
      expect(await exitWithin(service, 5_000)).toBe(0);
      expect(Date.now() - finished).toBeLessThan(3_000);
      expect(service.jsonLogs.some((line) => line['event'] === 'stopped')).toBe(true);
    } finally {
      v2.close();
      v1.close();
      service.kill();
    }
  });

  it('exits 0 at once when idle', async () => {
    const service = await startService();
    const started = Date.now();
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('SIGINT (Ctrl-C) stops it the same way', async () => {
    const service = await startService();
    expect(await service.stop('SIGINT')).toBe(0);
  });
});

describe('prompt exit after SIGTERM (default grace period 30 s, Kubernetes kills at 30 s)', () => {
  // Known server bug (fails today, in most runs): clients that disconnect just before SIGTERM leave grpc-js
  // sessions that are destroyed but not yet removed; Server.tryShutdown() then waits for a 'close' callback that
  // never comes, and src/grpc/server.ts only forces the shutdown after the remaining grace period. An idle
  // service thus takes the whole grace period to exit. Three rounds of 60 clients make the race near-certain.
  it('exits promptly although many clients disconnected just before SIGTERM', async () => {
    for (let round = 0; round < 3; round++) {
      // A short grace period keeps the failure cheap: the bug shows as an exit at the end of it.
      const service = await startService({ gracePeriod: 3 });
      const clients = Array.from({ length: 60 }, () => flyte2Client(service.grpcPort));
      try {
        await Promise.all(clients.map((client) => client.metadata.listConnectors({})));
        for (const client of clients) client.close();
        const started = Date.now();
        const code = await service.stop('SIGTERM', 8_000);
        expect({ round, code, promptly: Date.now() - started < 3_000 }).toEqual({
          round,
          code: 0,
          promptly: true,
        });
      } finally {
        service.kill();
      }
    }
  });

  // Regression: a GetAgent/GetConnector for an unknown name once threw synchronously out of unaryHandler
  // (src/grpc/handlers.ts), so the call was never finished and the process stayed alive after the drain until the
  // caller's deadline (here 4 s) had passed.
  it('exits promptly after a GetAgent for an unknown name', async () => {
    const service = await startService();
    const v1 = new Flyte1Client(service.grpcPort);
    try {
      await serviceError(v1.getAgent('nope', { timeoutMs: 4_000 }));
      const started = Date.now();
      const code = await service.stop('SIGTERM', 10_000);
      expect({ code, promptly: Date.now() - started < 2_000 }).toEqual({ code: 0, promptly: true });
    } finally {
      v1.close();
      service.kill();
    }
  });
});

describe('signals right after start-up', () => {
  // Known server bug (fails today, in most runs on a busy machine): src/cli/serve.ts installs its SIGTERM/SIGINT
  // handlers only after ConnectorService.run() resolved, i.e. after the "serving" line was printed and the port was
  // open. A signal in that window kills the process with the default action (no drain, exit by signal).
  it('a SIGTERM sent as soon as the "serving" line appears still drains and exits 0', async () => {
    const codes: (number | NodeJS.Signals)[] = [];
    for (let round = 0; round < 4; round++) {
      const service = await startService({ waitUntilHealthy: false });
      codes.push(await service.stop('SIGTERM'));
    }
    expect(codes).toEqual([0, 0, 0, 0]);
  });
});
