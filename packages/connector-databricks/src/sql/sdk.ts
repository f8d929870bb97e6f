// @databricks/sql is loaded on first use, not at import: it is large (Arrow, OAuth, telemetry), and a service
// serving other connectors should not pay for it.
import type * as DatabricksSql from '@databricks/sql';
import type { DBSQLClient } from '@databricks/sql';
import type { HiveDriver, TSparkParameter } from './thrift-types.js';

type Sdk = typeof DatabricksSql;

let loading: Promise<Sdk> | undefined;

/** Loads @databricks/sql once (concurrent callers share the load). */
export function loadSdk(): Promise<Sdk> {
  // The driver's kill switch for telemetry and feature-flag calls, on top of `telemetryEnabled: false` below.
  process.env['DATABRICKS_TELEMETRY_DISABLED'] ??= 'true';
  loading ??= import('@databricks/sql').then(
    (module) => (module as { default?: Sdk }).default ?? module,
    (error: unknown) => {
      loading = undefined; // a failed load (a broken install) is retried by the next call
      throw error;
    },
  );
  return loading;
}

/** What one pooled client (one warehouse endpoint, one credential) is made of. */
export interface ClientSettings {
  /** Host name, without scheme or port. */
  readonly host: string;
  readonly port: number;
  /** HTTP path of the warehouse, e.g. `/sql/1.0/warehouses/abc123`. */
  readonly path: string;
  readonly token: string;
  /** Extra trusted CA (PEM), for TLS-inspecting proxies and test backends. */
  readonly caCert: string | undefined;
  /** Bound of one HTTP request (socket timeout) and of the driver's retries, in ms. */
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

/** A connected client and the Thrift driver of its connection. */
export interface SqlClient {
  readonly client: DBSQLClient;
  readonly driver: HiveDriver;
}

/** Levels the connector passes on from the driver's own logger (it logs every request at debug). */
export type DriverLog = (level: 'warn' | 'error', message: string) => void;

/**
 * Creates and connects a client. `connect` does no network I/O for the Thrift backend: the first RPC opens the
 * (keep-alive) connection. Retries cover only the RPCs the driver deems idempotent (status, cancel, close,
 * metadata); OpenSession and ExecuteStatement are never retried by the driver.
 */
export async function connectClient(settings: ClientSettings, log: DriverLog): Promise<SqlClient> {
  const sdk = await loadSdk();
  const client = new sdk.DBSQLClient({
    logger: {
      log: (level, message) => {
        const name: string = level;
        if (name === 'warn' || name === 'error') log(name, message);
      },
    },
  });
  // Connection errors also reject the call that hit them; the event is only logged.
  client.on('error', (error: unknown) => log('warn', `Databricks SQL connection error: ${String(error)}`));
  await client.connect({
    host: settings.host,
    port: settings.port,
    path: settings.path,
    token: settings.token,
    ...(settings.caCert === undefined ? {} : { customCaCert: settings.caCert }),
    socketTimeout: settings.timeoutMs,
    retryMaxAttempts: settings.maxRetries + 1,
    retriesTimeout: settings.timeoutMs,
    retryDelayMin: 100,
    retryDelayMax: 1_000,
    telemetryEnabled: false,
    userAgentEntry: 'flyte-connector',
  });
  const driver = (await client.getDriver()) as unknown as HiveDriver;
  return { client, driver };
}

/**
 * Releases a client's sockets without ending its warehouse sessions: `DBSQLClient.close()` alone leaves the
 * keep-alive agent's sockets open, so the agent is destroyed too.
 */
export async function closeTransport(client: DBSQLClient): Promise<void> {
  const provider = await client.getConnectionProvider().catch(() => undefined);
  // http.Agent; typed structurally because the SDK's declarations import node's http in a form this build reads as any.
  const agent = (await provider?.getAgent().catch(() => undefined)) as { destroy(): void } | undefined;
  await client.close().catch(() => undefined);
  agent?.destroy();
}

/** A named parameter as the SDK serializes it (`DBSQLParameter`, public API). */
export async function sparkParameter(
  name: string,
  value: string | number | bigint | boolean | Date | null,
  type: string | undefined,
): Promise<TSparkParameter> {
  const sdk = await loadSdk();
  const options = { value, ...(type === undefined ? {} : { type }) };
  const parameter = new sdk.DBSQLParameter(options as ConstructorParameters<typeof sdk.DBSQLParameter>[0]);
  return parameter.toSparkParameter({ name });
}
