// Concurrent large requests: grpc-js buffers each message whole, and a decoded CreateTask costs many times its wire
// size when it is made of many small parts (here a `template.custom` list of short strings: ~6 wire bytes, a JS
// object each), so a burst of big requests used to exhaust the heap (32 × 3.5 MiB against a 384 MiB heap in the
// fuzz campaign). With `--max-inflight-request-size`, the excess is refused with RESOURCE_EXHAUSTED before it is
// decoded, and the service stays up with a heap far smaller than the burst would need.
//
// RELIABILITY_LARGE_REQUESTS (default 40) sets the size of the burst.
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { startService, stopAllServices } from '../support/service-process.js';
import { envNumber, report } from './support/env.js';
import { healthStatus, rssMiB } from './support/fuzz-runner.js';
import { RawChannel, StatusName } from './support/raw-grpc.js';
import { createTaskRequest } from './support/seeds.js';

const HOLDING_FIXTURE = fileURLToPath(new URL('./fixtures/holding-connector.ts', import.meta.url));
const V2 = '/flyteidl2.connector.AsyncConnectorService';
const BURST = envNumber('RELIABILITY_LARGE_REQUESTS', 16);
const PAYLOAD_MIB = 1;
const BUDGET_MIB = 4;
const HEAP_MIB = 192;

afterAll(stopAllServices);

it(`a burst of ${BURST} concurrent ${PAYLOAD_MIB} MiB CreateTasks: the excess is refused by name, the service stays up`, async () => {
  const service = await startService({
    extraArgs: [
      '--modules',
      HOLDING_FIXTURE,
      '--max-message-size',
      '8',
      '--max-inflight-request-size',
      String(BUDGET_MIB),
    ],
    env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}`, HOLD_MS: '5000' },
  });
  const channel = new RawChannel(service.address);
  try {
    const request = createTaskRequest({
      category: { name: 'hold_async', version: 0 },
      inputs: {},
      // ~6 wire bytes per item
      custom: { items: Array.from({ length: Math.round((PAYLOAD_MIB * 2 ** 20) / 6) }, () => 'ab') },
      executionName: 'large-requests',
    });
    const outcomes = await Promise.all(
      Array.from({ length: BURST }, () =>
        channel.call('unary', `${V2}/CreateTask`, [request], { deadlineMs: 60_000 }),
      ),
    );
    const byCode: Record<string, number> = {};
    for (const outcome of outcomes) {
      const name = StatusName[outcome.code] ?? String(outcome.code);
      byCode[name] = (byCode[name] ?? 0) + 1;
    }
    const refused = outcomes.filter((o) => StatusName[o.code] === 'RESOURCE_EXHAUSTED');
    const figures = {
      burst: BURST,
      requestMiB: Math.round((request.byteLength / 2 ** 20) * 10) / 10,
      burstMiB: Math.round((BURST * request.byteLength) / 2 ** 20),
      inflightLimitMiB: BUDGET_MIB,
      heapCapMiB: HEAP_MIB,
      byCode,
      rssAfterMiB: await rssMiB(service.child.pid!),
      health: await healthStatus(channel),
    };
    report('large-requests', figures);
    expect(Object.keys(byCode).sort()).toEqual(['OK', 'RESOURCE_EXHAUSTED']);
    expect(refused[0]?.details).toMatch(/in-flight limit of 4\.0 MiB \(--max-inflight-request-size\)/);
    expect(service.running).toBe(true);
    expect(figures.health).toBe('SERVING');
    // Once the burst is over, the budget is free again: the same request is admitted.
    const again = await channel.call('unary', `${V2}/CreateTask`, [request], { deadlineMs: 30_000 });
    expect(StatusName[again.code], again.details).toBe('OK');
  } finally {
    channel.close();
    await stopAllServices();
  }
}, 120_000);
