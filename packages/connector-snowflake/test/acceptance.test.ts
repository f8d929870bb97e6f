// Core's acceptance kit against the Snowflake connector, in both protocol families, with the local Snowflake
// backend: queries stay QUEUED until the kit drives them; the kit's transient faults are the backend's.
import { describeConnectorAcceptance, type AcceptanceHarness } from '@org/connector-core/testing';
import { SnowflakeConnector } from '../src/index.js';
import { loadDriver } from '../src/sdk.js';
import { encryptedKey, unencryptedKey } from './support/keys.js';
import { SnowflakeBackend } from './support/snowflake-backend.js';
import { flyteSdkTask, USER } from './support/tasks.js';

const PASSPHRASE = 'kit-pass-CANARY-93be1f';

function snowflakeHarness(): AcceptanceHarness {
  const backend = new SnowflakeBackend();
  const server = unencryptedKey();
  const tenant = encryptedKey(PASSPHRASE);
  backend.registerUser(USER, server.publicKeyPem);
  backend.registerUser(USER, tenant.publicKeyPem);
  return {
    // snowflake-sdk loads on first use, inside that call's 2 s bound: load it first (see support/service.ts).
    start: async () => {
      await Promise.all([backend.start(), loadDriver()]);
    },
    stop: () => backend.stop(),
    connector: () => new SnowflakeConnector(),
    env: () => ({
      FLYTE_SNOWFLAKE_ACCESS_URL: backend.url,
      // Well inside the kit's 10 s call deadline, and quick for the hanging-backend check.
      FLYTE_SNOWFLAKE_TIMEOUT_MS: '2000',
      FLYTE_SNOWFLAKE_MAX_RETRIES: '1',
    }),
    serverSecrets: () => ({ snowflake_private_key: server.privateKeyPem }),
    task: () => ({
      template: flyteSdkTask(),
      inputs: { region: 'emea', min_amount: 12.5, limit: 10n },
      connection: {
        secrets: {
          snowflake_private_key: tenant.privateKeyPem,
          snowflake_private_key_passphrase: PASSPHRASE,
        },
      },
    }),
    canarySecrets: () => [
      server.privateKeyPem,
      tenant.privateKeyPem,
      server.privateKeyPem.split('\n')[5]!,
      tenant.privateKeyPem.split('\n')[5]!,
      PASSPHRASE,
    ],
    jobs: {
      idOf: (meta) => (meta as { query_id: string }).query_id,
      unknownJobMeta: (meta) => ({
        ...(meta as Record<string, unknown>),
        query_id: '01b00000-0000-4000-8000-00000000dead',
      }),
      run: (id) => backend.set(id, 'RUNNING'),
      succeed: (id) => backend.set(id, 'SUCCESS'),
      fail: (id, message) => backend.set(id, 'FAILED_WITH_ERROR', { code: '100038', message }),
      setUnknownState: (id) => backend.set(id, 'SOMETHING_NEW'),
      injectFault: (fault, count) => backend.inject(fault, count),
      clearFaults: () => backend.clearFaults(),
      createdJobs: () => [...backend.createdQueries],
      cancelledJobs: () => [...backend.cancelledQueries],
    },
  };
}

describeConnectorAcceptance({ name: 'Snowflake connector acceptance', harness: snowflakeHarness() });
