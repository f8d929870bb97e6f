// Entry point of a connector worker thread (started by WorkerHost). Like cli/main.ts, running is its only job.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerSetup } from './protocol.js';
import { runConnectorWorker } from './worker-runtime.js';

if (parentPort === null)
  throw new Error('worker-main.js runs in a worker thread started by the connector service');
await runConnectorWorker(parentPort, workerData as WorkerSetup);
