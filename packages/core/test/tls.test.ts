// TLS serving end to end: a certificate made per run with openssl, a Flyte 1 client that verifies it, and a
// plaintext client that must not get through.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, type Loose, type V1Message } from './support/flyte1-client.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';

let dir: string;
let service: ServiceProcess;
let ca: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flyte-connect-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(dir, 'cert.pem'));
  service = await startService({
    extraArgs: ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
    // The helper's readiness probe speaks plaintext; this test probes over TLS itself.
    waitUntilHealthy: false,
  });
});

afterAll(async () => {
  await stopAllServices();
  rmSync(dir, { recursive: true, force: true });
});

function listAgents(channel: ChannelCredentials): Promise<V1Message> {
  const pkg = loadPackageDefinition(loadSync('flyteidl/service/agent.proto', LOADER_OPTIONS)) as Loose;
  const client = new pkg.flyteidl.service.AgentMetadataService(`127.0.0.1:${service.grpcPort}`, channel);
  return new Promise((resolve, reject) => {
    client.ListAgents(
      {},
      { deadline: Date.now() + 5_000 },
      (error: ServiceError | null, response: V1Message) => {
        client.close();
        if (error) reject(error);
        else resolve(response);
      },
    );
  });
}

describe('TLS', () => {
  it('serves Flyte 1 ListAgents to a client that verifies the certificate', async () => {
    const response = await listAgents(credentials.createSsl(ca));
    const names = (response['agents'] as { name: string }[]).map((agent) => agent.name);
    expect(names).toContain('Test Job Connector');
  });

  it('does not answer a plaintext client', async () => {
    await expect(listAgents(credentials.createInsecure())).rejects.toMatchObject({ code: 14 });
  });
});
