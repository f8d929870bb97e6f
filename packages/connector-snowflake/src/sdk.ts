// snowflake-sdk is loaded on first use, not at import: it is large, and at load time it would probe cloud metadata
// services (platform detection) unless told not to. A service serving other connectors should pay neither.
import type * as SnowflakeSdk from 'snowflake-sdk';
import type { Connection, ConnectionOptions } from 'snowflake-sdk';

type Driver = typeof SnowflakeSdk;

let loading: Promise<Driver> | undefined;

/** Loads snowflake-sdk once (concurrent callers share the load), with platform detection and telemetry off. */
export function loadDriver(): Promise<Driver> {
  // Both are read from process.env by the driver: at load (platform detection) and after each login (telemetry).
  process.env['SNOWFLAKE_DISABLE_PLATFORM_DETECTION'] ??= 'true';
  process.env['SF_TELEMETRY_DISABLE_CONNECTION_SHAPE'] ??= 'true';
  loading ??= import('snowflake-sdk').then(
    (module) => {
      const driver: Driver = (module as { default?: Driver }).default ?? module;
      // The driver's own logger writes to a file / the console; the connector logs what matters itself.
      driver.configure({ logLevel: 'OFF', additionalLogToConsole: false });
      return driver;
    },
    (error: unknown) => {
      loading = undefined; // a failed load (a broken install) is retried by the next call
      throw error;
    },
  );
  return loading;
}

/** What one pooled connection is made of. */
export interface ConnectionSettings {
  readonly account: string;
  readonly user: string;
  readonly role: string | undefined;
  readonly warehouse: string;
  readonly database: string;
  readonly schema: string;
  /** PEM private key (PKCS#8, encrypted or not, or PKCS#1). */
  readonly privateKey: string;
  readonly passphrase: string | undefined;
  readonly accessUrl: string | undefined;
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

/** Opens a key-pair (SNOWFLAKE_JWT) session: one login-request. */
export async function openConnection(settings: ConnectionSettings): Promise<Connection> {
  const driver = await loadDriver();
  const options: ConnectionOptions = {
    account: settings.account,
    username: settings.user,
    authenticator: 'SNOWFLAKE_JWT',
    privateKey: settings.privateKey,
    ...(settings.passphrase === undefined ? {} : { privateKeyPass: settings.passphrase }),
    ...(settings.warehouse === '' ? {} : { warehouse: settings.warehouse }),
    ...(settings.database === '' ? {} : { database: settings.database }),
    ...(settings.schema === '' ? {} : { schema: settings.schema }),
    ...(settings.role === undefined ? {} : { role: settings.role }),
    ...(settings.accessUrl === undefined ? {} : { accessUrl: settings.accessUrl.replace(/\/$/, '') }),
    // The session token is renewed by heartbeats while the connection sits in the pool.
    clientSessionKeepAlive: true,
    timeout: settings.timeoutMs,
    sfRetryMaxNumRetries: settings.maxRetries,
    sfRetryMaxLoginRetries: settings.maxRetries,
    sfRetryStartingSleepTime: 0.1,
    sfRetryMaxSleepTime: 1,
  } as ConnectionOptions;
  const connection = driver.createConnection(options);
  // connectAsync resolves whether or not the login succeeded: its callback is the one that tells.
  await new Promise<void>((resolve, reject) => {
    connection
      .connectAsync((error) => {
        if (error) reject(error);
        else resolve();
      })
      .catch(reject);
  });
  return connection;
}

/** Ends a session (best effort: the server forgets idle sessions anyway). */
export function closeConnection(connection: Connection): void {
  try {
    connection.destroy(() => undefined);
  } catch {
    // already closed
  }
}
