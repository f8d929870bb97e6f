// Core's acceptance kit against the Databricks SQL connector (task type databricks_sql), in both protocol families,
// with the local HiveServer2-over-HTTPS warehouse: statements stay PENDING until the kit drives them; the kit's
// transient faults (5xx, hanging request, reset connection) are the backend's.
import { randomUUID } from 'node:crypto';
import { describeConnectorAcceptance, type AcceptanceHarness } from '@org/connector-core/testing';
import { DatabricksSqlConnector } from '../src/index.js';
import { SqlBackend } from './support/sql-backend.js';
import { sqlTask } from './support/sql-service.js';

const SERVER_TOKEN = 'dapi-sqlkit-server-CANARY-3a61e9';
const TENANT_TOKEN = 'dapi-sqlkit-tenant-CANARY-d40c57';

function sqlHarness(): AcceptanceHarness {
  const backend = new SqlBackend();
  backend.tokens.add(SERVER_TOKEN);
  backend.tokens.add(TENANT_TOKEN);
  return {
    start: () => backend.start(),
    stop: () => backend.stop(),
    connector: () => new DatabricksSqlConnector(),
    env: () => ({
      FLYTE_DATABRICKS_INSTANCE: backend.hostname,
      FLYTE_DATABRICKS_CA_CERT: backend.caCert,
      // Well inside the kit's 10 s call deadline, and quick for the hanging-backend check.
      FLYTE_DATABRICKS_TIMEOUT_MS: '2000',
    }),
    serverSecrets: () => ({ flyte_databricks_access_token: SERVER_TOKEN }),
    task: () => ({
      template: sqlTask({
        sql: 'SELECT id, name FROM orders WHERE day = :day LIMIT :n',
        inputs: { day: 'STRING', n: 'INTEGER' },
        outputs: { results: 'STRUCTURED_DATASET' },
        custom: { server_hostname: backend.hostname, result_table: 'daily_orders' },
      }),
      inputs: { day: '2026-11-21', n: 10n },
      connection: { secrets: { databricks_token: TENANT_TOKEN } },
    }),
    canarySecrets: () => [SERVER_TOKEN, TENANT_TOKEN],
    jobs: {
      idOf: (meta) => (meta as { statementId: string }).statementId,
      unknownJobMeta: (meta) => ({ ...(meta as Record<string, unknown>), statementId: randomUUID() }),
      run: (id) => backend.set(id, 'RUNNING_STATE'),
      succeed: (id) => backend.set(id, 'FINISHED_STATE'),
      fail: (id, message) => backend.set(id, 'ERROR_STATE', { message, sqlState: '42000' }),
      setUnknownState: (id) => backend.set(id, 'FUTURE_STATE'),
      injectFault: (fault, count) => backend.inject(fault, count),
      clearFaults: () => backend.clearFaults(),
      createdJobs: () => [...backend.createdStatements],
      cancelledJobs: () => [...backend.cancelledStatements],
    },
  };
}

describeConnectorAcceptance({
  name: 'Databricks SQL connector acceptance',
  harness: sqlHarness(),
});
