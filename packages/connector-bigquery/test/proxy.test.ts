// Deployments that reach Google only through an HTTP proxy (HTTPS_PROXY / HTTP_PROXY): GetTask's lean poll client
// does not speak proxies, so with one configured every BigQuery request, polls included, must go through the SDK's
// transport, which does. A forward proxy on loopback sits between the service and the local backend.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GCP_PROJECT, phaseOf, startEnvironment, submit, type Environment } from './support/service.js';

const CUSTOM = { ProjectID: GCP_PROJECT, Location: 'US' };

let proxy: Server;
const proxied: string[] = [];
let env: Environment;

beforeAll(async () => {
  proxy = createServer((incoming, outgoing) => {
    // A forward proxy receives absolute URIs (`GET http://127.0.0.1:port/...`).
    const target = new URL(incoming.url ?? '');
    proxied.push(`${incoming.method} ${target.pathname}`);
    const upstream = request(target, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  // Tunnels (`CONNECT host:port`), which the auth library uses for every URL.
  proxy.on('connect', (incoming: IncomingMessage, client: Duplex, head: Buffer) => {
    proxied.push(`CONNECT ${incoming.url ?? ''}`);
    const [host = '', port = ''] = (incoming.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // The SDK and the auth library read the proxy from the process environment; the connector from its own.
  process.env['HTTP_PROXY'] = proxyUrl;
  delete process.env['NO_PROXY'];
  delete process.env['no_proxy'];
  env = await startEnvironment({ env: { HTTP_PROXY: proxyUrl } });
});

afterAll(async () => {
  await env?.stop();
  delete process.env['HTTP_PROXY'];
  await new Promise((resolve) => proxy?.close(resolve));
});

it('sends every request, GetTask polls included, through the configured HTTP proxy', async () => {
  const client = env.client('v2');
  env.backend.planNextJob({ mode: 'manual' });
  const task = await submit(client, { sql: 'SELECT 1', custom: CUSTOM });
  expect(phaseOf(await client.get(task))).toBe('INITIALIZING');
  expect(phaseOf(await client.get(task))).toBe('INITIALIZING');

  const gets = env.backend.requestsFor('jobs.get');
  expect(gets).toHaveLength(2);
  const jobsPath = `/bigquery/v2/projects/${GCP_PROJECT}/jobs`;
  expect(proxied.filter((line) => line.startsWith(`GET ${jobsPath}/`))).toHaveLength(2);
  expect(proxied.filter((line) => line === `POST ${jobsPath}`)).toHaveLength(1);
  // The auth library tunnels its token request through the proxy.
  expect(proxied.filter((line) => line.startsWith('CONNECT 127.0.0.1:'))).toHaveLength(1);
});
