// Core's acceptance kit against this connector and its local BigQuery backend: the same checks every connector
// of the project passes (spec, required parameters, lifecycle, resource_meta, delete, unknown states, transient
// faults, idempotent create, secret leaks), in both protocol families.
import {
  describeConnectorAcceptance,
  taskTemplate,
  type AcceptanceHarness,
  type TransientFault,
} from '@org/connector-core/testing';
import { BigQueryConnector } from '../src/index.js';
import { BigQueryBackend, type Fault } from './backend/bigquery-backend.js';
import { makeServiceAccount, type TestServiceAccount } from './backend/service-account.js';

const PROJECT = 'acceptance-project';

const FAULTS: Readonly<Record<TransientFault, Fault>> = {
  'http-500': { kind: 'error', status: 500, reason: 'backendError' },
  timeout: { kind: 'hang' },
  reset: { kind: 'drop' },
};

function bigQueryHarness(): AcceptanceHarness {
  let backend: BigQueryBackend | undefined;
  let server: TestServiceAccount | undefined;
  let tenant: TestServiceAccount | undefined;
  const running = () => {
    if (backend === undefined || server === undefined || tenant === undefined)
      throw new Error('harness not started');
    return { backend, server, tenant };
  };
  return {
    async start() {
      // Jobs stay PENDING until the kit drives them.
      backend = await BigQueryBackend.start({ plan: { mode: 'manual' } });
      [server, tenant] = await Promise.all([
        makeServiceAccount({ name: 'kit-server', projectId: PROJECT, tokenUri: backend.tokenUri }),
        makeServiceAccount({ name: 'kit-tenant', projectId: PROJECT, tokenUri: backend.tokenUri }),
      ]);
      backend.registerServiceAccount(server.email, server.publicKey);
      backend.registerServiceAccount(tenant.email, tenant.publicKey);
    },
    async stop() {
      await backend?.close();
    },
    connector: () => new BigQueryConnector(),
    env: () => ({
      FLYTE_BIGQUERY_ENDPOINT: running().backend.url,
      // Well inside the kit's 10 s call deadline, and quick for the hanging-backend check.
      FLYTE_BIGQUERY_TIMEOUT_MS: '2000',
      METADATA_SERVER_DETECTION: 'none',
    }),
    serverSecrets: () => ({ google_application_credentials: running().server.json }),
    task: () => ({
      template: taskTemplate({
        type: 'bigquery_query_job_task',
        custom: { ProjectID: PROJECT, Location: 'EU', Domain: 'development' },
        sql: 'SELECT * FROM `shop.orders` WHERE region = @region LIMIT @n',
        inputs: { region: 'STRING', n: 'INTEGER' },
        outputs: { results: 'STRUCTURED_DATASET' },
      }),
      inputs: { region: 'emea', n: 10n },
      connection: { secrets: { google_application_credentials: running().tenant.json } },
    }),
    canarySecrets: () => {
      const { server: s, tenant: t } = running();
      // The whole key files, and a line of each private key (as it appears inside the JSON).
      const keyLine = (account: TestServiceAccount) => account.privateKeyPem.split('\n')[3]!;
      return [s.json, t.json, keyLine(s), keyLine(t)];
    },
    jobs: {
      idOf: (meta) => (meta as { jobId: string }).jobId,
      unknownJobMeta: (meta) => ({
        ...(meta as Record<string, string>),
        jobId: 'flyte_00000000000000000000000000000000',
      }),
      run: (jobId) => running().backend.transition(jobId, 'RUNNING'),
      succeed: (jobId) => running().backend.transition(jobId, 'DONE'),
      fail: (jobId, message) =>
        running().backend.transition(jobId, 'DONE', { reason: 'invalidQuery', message }),
      setUnknownState: (jobId) => running().backend.setRawState(jobId, 'SUSPENDED'),
      injectFault: (fault, count) => running().backend.inject('any', FAULTS[fault], count),
      clearFaults: () => running().backend.clearFaults(),
      createdJobs: () => running().backend.createdJobIds(),
      cancelledJobs: () => running().backend.cancelledJobIds(),
    },
  };
}

describeConnectorAcceptance({ name: 'BigQuery connector acceptance', harness: bigQueryHarness() });
