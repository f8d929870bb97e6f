import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

/** Whether the service accepts work: false (or `serving: false`) while it drains before shutdown. */
export type HealthCheck = () => boolean | { readonly serving: boolean };

export interface MetricsServerOptions {
  /** 0 picks a free port (see the returned `port`). */
  readonly port: number;
  /** Default: every interface, as the Python servers' Prometheus endpoint. */
  readonly host?: string;
  readonly registry: Registry;
  readonly health: HealthCheck;
  readonly logger: Logger;
}

export interface MetricsServer {
  /** The bound port. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /healthz` (200 while serving, 503 while draining, for
 * HTTP probes and load balancers) on a plain HTTP port apart from gRPC.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, health, logger } = options;
  // Not a static import: importing node:http as an ES module evaluates its lazy exports, which loads Node's bundled
  // undici (+10 MB RSS, ~20 ms of start-up) that nothing here uses.
  const { createServer } = process.getBuiltinModule('node:http');
  const server = createServer((request, response) => {
    handle(request, response, registry, health).catch((error: unknown) => {
      logger.warn({ err: error, path: request.url }, 'Metrics endpoint failed');
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.destroy();
    });
  });
  // Scrapers keep connections alive; they must not hold close() open.
  server.keepAliveTimeout = 5_000;

  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(
      `Cannot listen for metrics on ${options.host ?? '*'}:${options.port}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, `Serving Prometheus metrics on port ${port}`);

  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  registry: Registry,
  health: HealthCheck,
): Promise<void> {
  const path = (request.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics' && path !== '/healthz') {
    send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    const state = health();
    const serving = typeof state === 'boolean' ? state : state.serving;
    send(response, serving ? 200 : 503, 'text/plain; charset=utf-8', serving ? 'ok' : 'draining');
    return;
  }
  send(response, 200, registry.contentType, await registry.metrics());
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
