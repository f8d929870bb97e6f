import { readFile } from 'node:fs/promises';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { file_flyteidl_service_agent } from '../gen/v1/flyteidl/service/agent_pb.js';
import { file_flyteidl2_connector_service } from '../gen/v2/flyteidl2/connector/service_pb.js';
import type { Dispatcher } from '../service/dispatcher.js';
import type { HandlerEnvironment } from './handlers.js';
import { HealthService } from './health.js';
import { addLazyReflection } from './reflection.js';
import { flyte1Services } from './v1-service.js';
import { flyte2Services } from './v2-service.js';

/** The PEM files of the service's TLS identity; without them it serves plaintext (h2c). */
export interface TlsFiles {
  /** Path of the certificate chain (PEM). */
  readonly certFile: string;
  /** Path of the private key (PEM). */
  readonly keyFile: string;
}

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  /** Largest request accepted, in bytes (Flyte's CreateTask with big inputs exceeds gRPC's 4 MiB default). */
  readonly maxReceiveBytes: number;
  readonly maxSendBytes: number;
  readonly tls?: TlsFiles | undefined;
  /** Most concurrent streams per HTTP/2 connection. */
  readonly maxConcurrentStreams: number;
  /** Close a connection that carried no call for this long (ms); 0 keeps idle connections open. */
  readonly maxConnectionIdleMs?: number | undefined;
  /**
   * Close a connection after this long (ms), letting its calls finish within `maxConnectionAgeGraceMs`; clients
   * reconnect, which spreads long-lived connections over replicas added since. 0: no limit.
   */
  readonly maxConnectionAgeMs?: number | undefined;
  readonly maxConnectionAgeGraceMs?: number | undefined;
}

export interface RunningGrpcServer {
  readonly port: number;
  readonly services: readonly string[];
  setServing(serving: boolean): void;
  /**
   * Stops accepting calls and closes connections, waiting at most `waitMs` for them to close by themselves before
   * forcing. Call it once no connector call is running: what is left are idle or half-closed connections.
   */
  shutdown(waitMs: number): Promise<void>;
}

/** Starts one gRPC server carrying both protocol families, health and reflection. */
export async function startGrpcServer(
  dispatcher: Dispatcher,
  env: HandlerEnvironment,
  options: GrpcServerOptions,
): Promise<RunningGrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveBytes,
    'grpc.max_send_message_length': options.maxSendBytes,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams,
    // Nothing reads channelz here (the service does not serve it), and its bookkeeping costs every call an object,
    // four closures and two clock reads.
    'grpc.enable_channelz': 0,
    // Flyte 2 clients ping every 30 s; grpc-js would otherwise answer pings more frequent than 5 min with GOAWAY.
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    ...positive('grpc.max_connection_idle_ms', options.maxConnectionIdleMs),
    ...positive('grpc.max_connection_age_ms', options.maxConnectionAgeMs),
    ...positive('grpc.max_connection_age_grace_ms', options.maxConnectionAgeGraceMs),
  });
  const services = [...flyte1Services(dispatcher, env), ...flyte2Services(dispatcher, env)];
  for (const service of services) {
    server.addService(service.definition, service.implementation);
  }
  const names = services.map((s) => s.name);
  const health = new HealthService({
    '': 'SERVING',
    ...Object.fromEntries(names.map((n) => [n, 'SERVING' as const])),
  });
  health.addToServer(server, env);
  addLazyReflection(server, [file_flyteidl_service_agent, file_flyteidl2_connector_service]);

  const credentials =
    options.tls === undefined
      ? ServerCredentials.createInsecure()
      : ServerCredentials.createSsl(null, [
          {
            cert_chain: await readFile(options.tls.certFile),
            private_key: await readFile(options.tls.keyFile),
          },
        ]);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${formatHost(options.host)}:${options.port}`, credentials, (error, boundPort) =>
      error === null ? resolve(boundPort) : reject(error),
    );
  });

  return {
    port,
    services: names,
    setServing(serving) {
      const status = serving ? 'SERVING' : 'NOT_SERVING';
      for (const name of ['', ...names]) health.setStatus(name, status);
    },
    async shutdown(waitMs) {
      await new Promise<void>((resolve) => {
        // grpc-js's tryShutdown can wait forever on a session the client already closed, so it is capped.
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, waitMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** A grpc-js channel option only when set: grpc-js reads 0 as "close at once" for some of them, not "unlimited". */
function positive(name: string, value: number | undefined): Record<string, number> {
  return value === undefined || value <= 0 ? {} : { [name]: Math.round(value) };
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
