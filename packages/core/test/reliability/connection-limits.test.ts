// The connection limits a platform team sets on `flyte-connect serve`, observed from a plain HTTP/2 client (node:http2,
// no gRPC library): the stream limit the service advertises, idle connections closed, and old connections closed
// gracefully (GOAWAY) so that clients reconnect — behind a Kubernetes Service that is what spreads long-lived
// Flyte connections over replicas added by the autoscaler.
import { connect, type ClientHttp2Session } from 'node:http2';
import { afterAll, expect, it } from 'vitest';
import { startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { RawChannel, StatusName } from './support/raw-grpc.js';
import { healthStatus } from './support/fuzz-runner.js';

afterAll(stopAllServices);

function openSession(service: ServiceProcess): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${service.address}`);
    session.once('remoteSettings', () => resolve(session));
    session.once('error', reject);
  });
}

/** Resolves with the ms until the service closed the session (GOAWAY or close), or rejects after `withinMs`. */
function closedWithin(session: ClientHttp2Session, withinMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the session was still open after ${withinMs} ms`)),
      withinMs,
    );
    const done = () => {
      clearTimeout(timer);
      resolve(Math.round(performance.now() - started));
    };
    session.once('goaway', done);
    session.once('close', done);
  });
}

it('--max-concurrent-streams is the limit the service advertises to clients', async () => {
  const service = await startService({ extraArgs: ['--no-discover', '--max-concurrent-streams', '7'] });
  const session = await openSession(service);
  try {
    expect(session.remoteSettings.maxConcurrentStreams).toBe(7);
  } finally {
    session.destroy();
    await stopAllServices();
  }
});

it('--max-connection-idle closes a connection that carries no call; a busy client is unaffected', async () => {
  const service = await startService({ extraArgs: ['--no-discover', '--max-connection-idle', '1'] });
  const idle = await openSession(service);
  const busy = new RawChannel(service.address);
  try {
    const closing = closedWithin(idle, 5_000);
    // The busy client calls throughout the idle period (and beyond) and never sees an error.
    const endAt = Date.now() + 2_500;
    while (Date.now() < endAt) {
      expect(await healthStatus(busy)).toBe('SERVING');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await closing).toBeGreaterThanOrEqual(900);
  } finally {
    idle.destroy();
    busy.close();
    await stopAllServices();
  }
});

it('--max-connection-age sends GOAWAY to old connections; a client reconnects and keeps calling', async () => {
  const service = await startService({
    extraArgs: ['--no-discover', '--max-connection-age', '1', '--max-connection-age-grace', '1'],
  });
  const session = await openSession(service);
  const client = new RawChannel(service.address);
  try {
    expect(await closedWithin(session, 5_000)).toBeGreaterThanOrEqual(500);
    // grpc-js reconnects transparently after a GOAWAY: calls over 3 s (several connection ages) all succeed.
    const codes = new Set<string>();
    const endAt = Date.now() + 3_000;
    while (Date.now() < endAt) {
      const outcome = await client.call(
        'unary',
        '/flyteidl2.connector.ConnectorMetadataService/ListConnectors',
        [new Uint8Array()],
      );
      codes.add(StatusName[outcome.code] ?? String(outcome.code));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect([...codes]).toEqual(['OK']);
  } finally {
    session.destroy();
    client.close();
    await stopAllServices();
  }
});
