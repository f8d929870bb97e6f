// A bounded soak: steady load of full task lifecycles (create → get → delete against the local HTTP backend, so
// the connector's HTTP client is exercised too) while the service's RSS and open file descriptors are sampled.
// After a warm-up, neither may keep growing beyond the stated bounds. RSS on its own cannot tell a leak from garbage
// V8 has not collected yet (a short run on a loaded machine saw +75 MiB of it), so both ends of the comparison are
// taken right after a forced full GC, and the JS heap in use then is bounded tightly: that is what a per-lifecycle
// leak grows.
//
// RELIABILITY_SOAK_SECONDS (default 8) sets the duration; the documented run is 600 s.
import { status } from '@grpc/grpc-js';
import { afterAll, expect, it } from 'vitest';
import { startService, stopAllServices } from '../support/service-process.js';
import { sleep } from '../support/util.js';
import { JobBackend } from './support/backend.js';
import { envNumber, RELIABILITY_FIXTURE, report } from './support/env.js';
import { healthStatus, openFds, rssMiB } from './support/fuzz-runner.js';
import { HEAP_PROBE_NODE_OPTIONS, HeapProbe } from './support/heap-probe.js';
import { RawChannel, StatusName } from './support/raw-grpc.js';
import {
  createTaskRequest,
  lifecycleRequests,
  phaseOf,
  resourceMetaOf,
  type SeedCategory,
} from './support/seeds.js';

const SECONDS = envNumber('RELIABILITY_SOAK_SECONDS', 8);
const CLIENTS = 8;
/** Bounds after warm-up (the first fifth of the run, at least 2 s), each end measured right after a full GC. */
const MAX_HEAP_GROWTH_MIB = 8;
const MAX_RSS_GROWTH_MIB = 64;
const MAX_FD_GROWTH = 16;
const BACKEND_JOB: SeedCategory = { name: 'backend_job', version: 0 };
const V2 = '/flyteidl2.connector.AsyncConnectorService';
const TOKEN = 'soak-token-value';

afterAll(stopAllServices);

it(
  `${SECONDS} s of steady lifecycles: live heap, RSS and open fds stay bounded`,
  async () => {
    const backend = await new JobBackend({ validTokens: [TOKEN] }).start();
    const service = await startService({
      extraArgs: ['--modules', RELIABILITY_FIXTURE],
      env: { RELIABILITY_BACKEND_URL: backend.url, NODE_OPTIONS: HEAP_PROBE_NODE_OPTIONS },
    });
    const channel = new RawChannel(service.address);
    const heap = await HeapProbe.attach(service);
    const pid = service.child.pid!;
    const settled = async () => ({
      heap: await heap.usedAfterGcMiB(),
      rss: await rssMiB(pid),
      fds: await openFds(pid),
    });
    const warmUpS = Math.max(2, SECONDS / 5);
    const connection = { secrets: { backend_token: TOKEN } };
    const samples: { t: number; rss: number; fds: number }[] = [];
    const errors: string[] = [];
    let lifecycles = 0;
    const started = Date.now();
    const endAt = started + SECONDS * 1000;
    try {
      const sampler = (async () => {
        while (Date.now() < endAt) {
          samples.push({ t: (Date.now() - started) / 1000, rss: await rssMiB(pid), fds: await openFds(pid) });
          await sleep(Math.min(1_000, (SECONDS * 1000) / 20));
        }
      })();
      const atWarmUp = sleep(warmUpS * 1000).then(settled);
      let sequence = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (Date.now() < endAt) {
            const tag = `soak-${++sequence}`;
            const create = await channel.call('unary', `${V2}/CreateTask`, [
              createTaskRequest({
                category: BACKEND_JOB,
                inputs: { behaviour: 'ok', tag },
                executionName: tag,
                connection,
              }),
            ]);
            if (create.code !== status.OK) {
              errors.push(`create ${StatusName[create.code]}: ${create.details}`);
              continue;
            }
            const requests = lifecycleRequests(
              { category: BACKEND_JOB, resourceMeta: resourceMetaOf(create.responses[0]) },
              connection,
            );
            const get = await channel.call('unary', `${V2}/GetTask`, [requests.get]);
            if (get.code !== status.OK || phaseOf(get.responses[0]) !== 3)
              errors.push(`get ${StatusName[get.code]}: ${get.details}`);
            const del = await channel.call('unary', `${V2}/DeleteTask`, [requests.delete]);
            if (del.code !== status.OK) errors.push(`delete ${StatusName[del.code]}: ${del.details}`);
            lifecycles += 1;
          }
        }),
      );
      await sampler;
      const base = await atWarmUp;
      const last = await settled();
      const figures = {
        seconds: SECONDS,
        clients: CLIENTS,
        lifecycles,
        lifecyclesPerSecond: Math.round(lifecycles / SECONDS),
        errors: errors.length,
        heapAfterGcMiB: { afterWarmUp: base.heap, end: last.heap },
        rssMiB: {
          start: samples[0]!.rss,
          afterWarmUpAndGc: base.rss,
          endAfterGc: last.rss,
          max: Math.max(...samples.map((s) => s.rss)),
        },
        fds: {
          start: samples[0]!.fds,
          afterWarmUp: base.fds,
          end: last.fds,
          max: Math.max(...samples.map((s) => s.fds)),
        },
        bounds: {
          heapGrowthMiB: MAX_HEAP_GROWTH_MIB,
          rssGrowthMiB: MAX_RSS_GROWTH_MIB,
          fdGrowth: MAX_FD_GROWTH,
        },
        health: await healthStatus(channel),
      };
      report('soak', figures);
      expect(errors.slice(0, 5)).toEqual([]);
      expect(lifecycles).toBeGreaterThan(0);
      expect(last.heap - base.heap).toBeLessThan(MAX_HEAP_GROWTH_MIB);
      expect(last.rss - base.rss).toBeLessThan(MAX_RSS_GROWTH_MIB);
      expect(last.fds - base.fds).toBeLessThan(MAX_FD_GROWTH);
      expect(figures.health).toBe('SERVING');
    } finally {
      heap.close();
      channel.close();
      await stopAllServices();
      await backend.stop();
    }
  },
  60_000 + SECONDS * 1500,
);
