// Core's acceptance kit against the Databricks connector, in both protocol families, with the local Jobs backend:
// runs stay PENDING until the kit drives them; the kit's transient faults are the backend's.
import { describeConnectorAcceptance, type AcceptanceHarness } from '@org/connector-core/testing';
import { DatabricksJobsConnector } from '../src/index.js';
import { JobsBackend } from './support/jobs-backend.js';
import { databricksTask } from './support/tasks.js';

const SERVER_TOKEN = 'dapi-kit-server-CANARY-0c9e51';
const TENANT_TOKEN = 'dapi-kit-tenant-CANARY-7f2a84';

function jobsHarness(): AcceptanceHarness {
  const backend = new JobsBackend();
  backend.tokens.add(SERVER_TOKEN);
  backend.tokens.add(TENANT_TOKEN);
  return {
    start: () => backend.start(),
    stop: () => backend.stop(),
    connector: () => new DatabricksJobsConnector(),
    env: () => ({
      FLYTE_DATABRICKS_INSTANCE: backend.url,
      // Well inside the kit's 10 s call deadline, and quick for the hanging-backend check.
      FLYTE_DATABRICKS_TIMEOUT_MS: '2000',
    }),
    serverSecrets: () => ({ flyte_databricks_access_token: SERVER_TOKEN }),
    task: () => ({
      template: databricksTask({ instance: backend.url }),
      inputs: {},
      connection: { secrets: { databricks_token: TENANT_TOKEN } },
    }),
    canarySecrets: () => [SERVER_TOKEN, TENANT_TOKEN],
    jobs: {
      idOf: (meta) => String((meta as { runId: number }).runId),
      unknownJobMeta: (meta) => ({ ...(meta as Record<string, unknown>), runId: 4242 }),
      run: (id) => backend.set(id, 'RUNNING'),
      succeed: (id) => backend.set(id, 'TERMINATED', 'SUCCESS'),
      fail: (id, message) => backend.set(id, 'TERMINATED', 'FAILED', message),
      setUnknownState: (id) => backend.set(id, 'PAUSED_FOR_REVIEW'),
      injectFault: (fault, count) => backend.inject(fault, count),
      clearFaults: () => backend.clearFaults(),
      createdJobs: () => backend.createdRuns.map(String),
      cancelledJobs: () => backend.cancelledRuns.map(String),
    },
  };
}

describeConnectorAcceptance({
  name: 'Databricks connector acceptance',
  harness: jobsHarness(),
  // The run's Flyte entrypoint writes outputs.pb under the output prefix; the connector returns no outputs.
  writesOutputsItself: true,
});
