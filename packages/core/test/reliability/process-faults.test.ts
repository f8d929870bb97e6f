// Process faults under load. SIGTERM: every CreateTask either completes (its external job exists exactly once) or
// is refused before any external side effect (no job), and the process exits 0 within the grace period.
// kill -9 of one of two replicas behind one round-robin client: every task still reaches SUCCEEDED through the other
// (state lives in resource_meta), with no duplicate external job; the tasks that saw an error are counted.
//
// RELIABILITY_TASKS (default 30) sets the number of tasks of the kill -9 scenario.
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { sleep } from '../support/util.js';
import { JobBackend } from './support/backend.js';
import { envNumber, RELIABILITY_FIXTURE, report } from './support/env.js';
import { healthStatus } from './support/fuzz-runner.js';
import { RawChannel, StatusName } from './support/raw-grpc.js';
import {
  createTaskRequest,
  lifecycleRequests,
  phaseOf,
  resourceMetaOf,
  type SeedCategory,
} from './support/seeds.js';

const BACKEND_JOB: SeedCategory = { name: 'backend_job', version: 0 };
const CREATE = '/flyteidl2.connector.AsyncConnectorService/CreateTask';
const GET = '/flyteidl2.connector.AsyncConnectorService/GetTask';
const TOKEN = 'process-faults-token';
const connection = { secrets: { backend_token: TOKEN } };
const SUCCEEDED = 3;

afterAll(stopAllServices);

function startReplica(backend: JobBackend, extraArgs: string[] = []): Promise<ServiceProcess> {
  return startService({
    extraArgs: ['--modules', RELIABILITY_FIXTURE, ...extraArgs],
    env: { RELIABILITY_BACKEND_URL: backend.url },
  });
}

function createRequest(tag: string, delayMs: number): Uint8Array {
  return createTaskRequest({
    category: BACKEND_JOB,
    inputs: { behaviour: 'ok', tag, delay_ms: BigInt(delayMs) },
    executionName: tag,
    connection,
  });
}

describe('SIGTERM under load', () => {
  it('every create completes with exactly one external job or is refused with none; exit 0 within the grace period', async () => {
    const GRACE_S = 10;
    const backend = await new JobBackend({ validTokens: [TOKEN] }).start();
    const service = await startReplica(backend, ['--grace-period', String(GRACE_S), '--worker', '4']);
    const channel = new RawChannel(service.address);
    const outcomes: { tag: string; code: status; details: string }[] = [];
    let sequence = 0;
    let sigtermAt = 0;
    try {
      // Eight clients create tasks back to back; each create takes ~300 ms at the vendor, so calls are always in
      // flight (and queued behind --worker 4) when the signal arrives.
      const load = Array.from({ length: 8 }, async () => {
        while (service.running || Date.now() - sigtermAt < 500) {
          const tag = `sigterm-${++sequence}`;
          const outcome = await channel.call('unary', CREATE, [createRequest(tag, 300)], {
            deadlineMs: 20_000,
          });
          outcomes.push({ tag, code: outcome.code, details: outcome.details });
          if (!service.running) break;
        }
      });
      await sleep(2_500);
      const completedBeforeSignal = outcomes.length;
      sigtermAt = Date.now();
      service.child.kill('SIGTERM');
      const code = await service.exited;
      const exitMs = Date.now() - sigtermAt;
      await Promise.all(load);

      const jobsByTag = new Map<string, number>();
      for (const job of backend.jobs) jobsByTag.set(job.tag, (jobsByTag.get(job.tag) ?? 0) + 1);
      const completed = outcomes.filter((o) => o.code === status.OK);
      const refused = outcomes.filter((o) => o.code === status.UNAVAILABLE);
      const other = outcomes.filter((o) => o.code !== status.OK && o.code !== status.UNAVAILABLE);
      report('sigterm', {
        creates: outcomes.length,
        completedBeforeSignal,
        completedAfterSignal: completed.length - completedBeforeSignal,
        completed: completed.length,
        refused: refused.length,
        otherCodes: other.map((o) => `${StatusName[o.code]}: ${o.details}`),
        externalJobs: backend.jobs.length,
        exitCode: code,
        exitMs,
        gracePeriodMs: GRACE_S * 1000,
      });
      expect(other.map((o) => `${o.tag} ${StatusName[o.code]}: ${o.details}`)).toEqual([]);
      expect(completed.filter((o) => jobsByTag.get(o.tag) !== 1).map((o) => o.tag)).toEqual([]);
      expect(refused.filter((o) => jobsByTag.has(o.tag)).map((o) => o.tag)).toEqual([]);
      expect(backend.jobs.length).toBe(completed.length);
      expect(refused.length).toBeGreaterThan(0);
      expect(code).toBe(0);
      expect(exitMs).toBeLessThan(GRACE_S * 1000);
    } finally {
      channel.close();
      service.kill();
      await backend.stop();
    }
  }, 60_000);
});

describe('kill -9 of one replica behind a round-robin client', () => {
  it('every task reaches SUCCEEDED on the survivor, with no duplicate external job', async () => {
    const TASKS = envNumber('RELIABILITY_TASKS', 30);
    /** Flyte 1/2 give up on a task after 5 failed GetTasks in a row; a client here retries like they do. */
    const ERROR_BUDGET = 5;
    const backend = await new JobBackend({ validTokens: [TOKEN], jobMs: 2_000 }).start();
    const [a, b] = await Promise.all([startReplica(backend), startReplica(backend)]);
    const channel = new RawChannel([a.address, b.address]);
    const perTask: { tag: string; errors: string[]; phase: number }[] = [];
    try {
      const killAfterMs = 1_000;
      const started = Date.now();
      const killer = sleep(killAfterMs).then(() => a.child.kill('SIGKILL'));
      await Promise.all(
        Array.from({ length: TASKS }, async (_unused, index) => {
          const tag = `kill9-${index}`;
          const task = { tag, errors: [] as string[], phase: 0 };
          perTask.push(task);
          // Spread task starts over the first 2 s, so that some are created before and some after the kill.
          await sleep((index * 2_000) / TASKS);
          let meta: Uint8Array | undefined;
          while (meta === undefined && task.errors.length < ERROR_BUDGET) {
            const outcome = await channel.call('unary', CREATE, [createRequest(tag, 50)], {
              deadlineMs: 5_000,
            });
            if (outcome.code === status.OK) meta = resourceMetaOf(outcome.responses[0]);
            else task.errors.push(`create ${StatusName[outcome.code]}`);
          }
          if (meta === undefined) return;
          const { get } = lifecycleRequests({ category: BACKEND_JOB, resourceMeta: meta }, connection);
          while (task.errors.length < ERROR_BUDGET && Date.now() - started < 30_000) {
            const outcome = await channel.call('unary', GET, [get], { deadlineMs: 5_000 });
            if (outcome.code !== status.OK) task.errors.push(`get ${StatusName[outcome.code]}`);
            else if ((task.phase = phaseOf(outcome.responses[0])) === SUCCEEDED) return;
            await sleep(100);
          }
        }),
      );
      await killer;
      const byKey = backend.jobsByKey();
      const affected = perTask.filter((t) => t.errors.length > 0);
      const duplicates = [...byKey.values()].filter((jobs) => jobs.length > 1).length;
      const probe = new RawChannel(b.address);
      const survivorHealth = await healthStatus(probe);
      probe.close();
      report('kill-9', {
        tasks: TASKS,
        killedAfterMs: killAfterMs,
        succeeded: perTask.filter((t) => t.phase === SUCCEEDED).length,
        tasksAffected: affected.length,
        failedCalls: affected.reduce((sum, t) => sum + t.errors.length, 0),
        worstTask: Math.max(0, ...perTask.map((t) => t.errors.length)),
        errorKinds: [...new Set(affected.flatMap((t) => t.errors))],
        externalJobs: backend.jobs.length,
        duplicateJobs: duplicates,
        survivorHealth,
      });
      expect(a.running).toBe(false);
      expect(
        perTask.filter((t) => t.phase !== SUCCEEDED).map((t) => `${t.tag}: ${t.errors.join(', ')}`),
      ).toEqual([]);
      expect(duplicates).toBe(0);
      expect(backend.jobs.length).toBe(TASKS);
      expect(b.running).toBe(true);
      expect(survivorHealth).toBe('SERVING');
    } finally {
      channel.close();
      await stopAllServices();
      await backend.stop();
    }
  }, 90_000);
});
