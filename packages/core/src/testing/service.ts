import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connector, ProtocolFamily } from '../connector.js';
import { createGrpcClient } from '../client/grpc-client.js';
import type { ConnectorClient } from '../client/types.js';
import { createLogger } from '../logging.js';
import { ConnectorService, type ServiceHandle } from '../service/connector-service.js';
import type { AcceptanceHarness } from './harness.js';

/** Every log line the services of one session wrote, for the leak scan. */
export class LogSink {
  readonly lines: string[] = [];
  /** A pino destination: one JSON line per call. */
  readonly destination = { write: (line: string): void => void this.lines.push(line) };
}

/** What to leave out of the harness's service-level sources (to prove a parameter is enforced). */
export interface ServiceOverrides {
  /** Environment variable names to leave out. */
  readonly withoutEnv?: readonly string[];
  /** Server secret keys to leave out, both as `_FSEC_<KEY>` variables and as files (case-insensitive). */
  readonly withoutServerSecrets?: readonly string[];
}

export interface KitServiceOptions {
  readonly harness: AcceptanceHarness;
  readonly logs: LogSink;
  readonly callTimeoutMs: number;
  readonly overrides?: ServiceOverrides;
}

/**
 * The real connector service, started in-process on 127.0.0.1 (ephemeral ports) with the harness's connector,
 * environment and server secrets, plus one gRPC client per protocol family.
 */
export class KitService {
  private constructor(
    private readonly handle: ServiceHandle,
    private readonly secretsDir: string,
    readonly connector: Connector,
    readonly clients: Readonly<Record<ProtocolFamily, ConnectorClient>>,
  ) {}

  static async start(options: KitServiceOptions): Promise<KitService> {
    const { harness, overrides = {} } = options;
    const secretKeys = new Set((overrides.withoutServerSecrets ?? []).map((key) => key.toLowerCase()));
    const leftOutEnv = new Set([
      ...(overrides.withoutEnv ?? []),
      ...[...secretKeys].map((key) => `_FSEC_${key.toUpperCase()}`),
    ]);
    const env = Object.fromEntries(
      Object.entries(harness.env?.() ?? {}).filter(([name]) => !leftOutEnv.has(name)),
    );
    // A fresh directory per service: never the machine's /etc/secrets, and removals stay local to one service.
    const secretsDir = await mkdtemp(join(tmpdir(), 'connector-acceptance-secrets-'));
    for (const [key, value] of Object.entries(harness.serverSecrets?.() ?? {})) {
      if (!secretKeys.has(key.toLowerCase())) await writeFile(join(secretsDir, key.toLowerCase()), value);
    }
    const connector = harness.connector();
    let handle: ServiceHandle;
    try {
      handle = await ConnectorService.run({
        port: 0,
        prometheusPort: 0,
        host: '127.0.0.1',
        discover: false,
        connectors: [connector],
        env,
        secretsDir,
        // Everything the connector logs, down to trace, is scanned for secrets.
        logger: createLogger({ level: 'trace', destination: options.logs.destination }),
        gracePeriodMs: 2_000,
      });
    } catch (error) {
      await rm(secretsDir, { recursive: true, force: true });
      throw error;
    }
    const endpoint = `127.0.0.1:${handle.grpcPort}`;
    const client = (protocol: ProtocolFamily) =>
      createGrpcClient({ endpoint, protocol, timeoutMs: options.callTimeoutMs });
    return new KitService(handle, secretsDir, connector, { v1: client('v1'), v2: client('v2') });
  }

  /** The Prometheus exposition text of the service. */
  async metricsText(): Promise<string> {
    if (this.handle.metricsPort === undefined) return '';
    const response = await fetch(`http://127.0.0.1:${this.handle.metricsPort}/metrics`);
    return response.text();
  }

  async stop(): Promise<void> {
    this.clients.v1.close();
    this.clients.v2.close();
    try {
      await this.handle.stop();
    } finally {
      await rm(this.secretsDir, { recursive: true, force: true });
    }
  }
}
