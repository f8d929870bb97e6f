// Backend faults: full task lifecycles through the client engine (the TaskEngine behind `flyte-connect run` and the
// benches) against the real `flyte-connect serve` over gRPC, Flyte 2 and a share over Flyte 1, while the vendor
// backend of `backend_job` fails a seeded share of every call: 5xx, 429 with Retry-After, answers held past the
// connector's request timeout, connection resets (also after a submit took effect) and slow answers.
//
// Shown: no task is lost (every external job is observed by the engine in a final phase: SUCCEEDED through GetTask,
// or ABORTED with its DeleteTask done and the job cancelled at the backend), no attempt has two external jobs, and
// no GetTask fails with a gRPC error because of a transient fault (core answers RUNNING with a message instead).
//
// CreateTask policy. A CreateTask may still fail when the backend keeps failing past the connector's retry budget
// (8 s, under Flyte's 10 s deadline). Flyte turns a failed CreateTask into a retryable failure of the attempt. The
// driver here re-sends CreateTask for the *same* attempt (same task execution metadata, hence the same attempt key
// and idempotency key), at most MAX_RESUBMITS times, and accepts a failure only if it was transient and the re-sent
// create re-attached to the one job (no job leaked, none duplicated). It also counts the failed creates for which the
// backend already held a job: under a *new* Flyte attempt (a new attempt key) that job would be orphaned.
//
// A control run (100 tasks, same faults) uses the connector without its idempotency key: retried submits then
// create second jobs, which the same checks count as duplicates and lost jobs, so the checks are shown to bite.
//
// RELIABILITY_FAULT_TASKS (default 300), RELIABILITY_FAULT_RATE (0.2), RELIABILITY_FAULT_SEED,
// RELIABILITY_FAULT_CONCURRENCY (tasks in flight at once, default 100). The documented run is 10,000 tasks.
import { afterAll, expect, it } from 'vitest';
import {
  createGrpcClient,
  inputsToLiterals,
  localExecutionMetadata,
  parseTaskFile,
  TaskEngine,
  type ConnectorClient,
  type CreateTaskInput,
  type FinalState,
  type TrackedTask,
} from '@org/connector-core';
import { healthCheck } from '../support/grpc-extras.js';
import { startService, stopAllServices } from '../support/service-process.js';
import { FAULT_KINDS, JobBackend } from './support/backend.js';
import { envNumber, RELIABILITY_FIXTURE, report } from './support/env.js';

const TASKS = envNumber('RELIABILITY_FAULT_TASKS', 300);
const RATE = envNumber('RELIABILITY_FAULT_RATE', 0.2);
const SEED = envNumber('RELIABILITY_FAULT_SEED', 20261122);
const CONCURRENCY = Math.max(1, envNumber('RELIABILITY_FAULT_CONCURRENCY', 100));
/** Every fifth task goes over Flyte 1 (AsyncAgentService), the others over Flyte 2. */
const FLYTE1_EVERY = 5;
/** Every fifth task (another one) is aborted when it is first seen RUNNING: DeleteTask through the engine. */
const ABORT_EVERY = 5;
/** How long a backend job runs: a few polls at RESYNC_MS. */
const JOB_MS = 400;
const RESYNC_MS = 250;
/** The connector's bound of one HTTP request (its default is 5 s); a held answer outlasts it. */
const REQUEST_TIMEOUT_MS = 1_000;
const HOLD_MS = 2_500;
/** CreateTask re-sent for the same attempt after a transient failure, at most this many times. */
const MAX_RESUBMITS = 3;
const TRANSIENT = new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED']);
const TOKEN = 'backend-faults-token';
/** Tasks of the control run (a connector without idempotency key), whatever the size of the main run. */
const CONTROL_TASKS = 100;
/** What core says when it turns a transient GetTask failure into RUNNING. */
const TRANSIENT_RUNNING = 'temporarily unreachable';

type Family = 'v1' | 'v2';

interface TaskRecord {
  readonly tag: string;
  readonly family: Family;
  readonly abortPlanned: boolean;
  submissions: number;
  /** Error kinds (gRPC codes) of the CreateTasks that failed. */
  readonly createErrors: string[];
  /** Failed CreateTasks for which the backend already held this task's job. */
  createFailedWithJob: number;
  final: FinalState | undefined;
}

const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

afterAll(stopAllServices);

interface ScenarioOptions {
  readonly tasks: number;
  /** The `behaviour` input of every task: `ok`, or `no-idempotency-key` for the control. */
  readonly behaviour: 'ok' | 'no-idempotency-key';
  /** Distinguishes the tasks' tags (and so their attempt keys) between runs. */
  readonly tagPrefix: string;
}

/** Runs the lifecycles against a fresh backend and service; returns the figures and what the checks need. */
async function runScenario(options: ScenarioOptions) {
  const backend = await new JobBackend({
    validTokens: [TOKEN],
    jobMs: JOB_MS,
    faults: { rate: RATE, seed: SEED, retryAfterS: 1, holdMs: HOLD_MS, slowMs: [100, 500] },
  }).start();
  const service = await startService({
    worker: 128,
    extraArgs: ['--modules', RELIABILITY_FIXTURE],
    env: {
      RELIABILITY_BACKEND_URL: backend.url,
      RELIABILITY_BACKEND_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      // Flyte 1 sends no per-request secrets: the token is the service's own (a `_FSEC_` server secret).
      _FSEC_BACKEND_TOKEN: TOKEN,
    },
  });
  const clients: Record<Family, ConnectorClient> = {
    v2: createGrpcClient({ endpoint: service.address, protocol: 'v2' }),
    v1: createGrpcClient({ endpoint: service.address, protocol: 'v1' }),
  };
  const toAbort = new Set<TrackedTask>();
  const getErrors: Record<string, number> = {};
  const getErrorSamples: string[] = [];
  const transientRunning: Record<Family, number> = { v1: 0, v2: 0 };
  const engines = {} as Record<Family, TaskEngine>;
  for (const family of ['v2', 'v1'] as const) {
    // Flyte's engine settings except the rate limits (Flyte's 10 QPS would make the long run last hours) and the
    // resync interval; the call deadline stays Flyte's 10 s.
    const engine = new TaskEngine({
      client: clients[family],
      resyncMs: RESYNC_MS,
      workers: 32,
      readQps: 100_000,
      readBurst: 10_000,
      writeQps: 100_000,
      writeBurst: 10_000,
    });
    engine.on('getError', (_task, error) => {
      count(getErrors, error.kind);
      if (getErrorSamples.length < 5) getErrorSamples.push(`${family} ${error.kind}: ${error.message}`);
    });
    engine.on('update', ({ resource }) => {
      if (resource.message.includes(TRANSIENT_RUNNING)) transientRunning[family] += 1;
    });
    engine.on('phase', ({ task, phase }) => {
      if (phase === 'RUNNING' && toAbort.delete(task)) void task.abort();
    });
    engines[family] = engine;
  }

  const template = parseTaskFile(
    new TextEncoder().encode('type: backend_job\ninputs: { behaviour: string, tag: string }'),
    'backend-faults.yaml',
  ).template;
  const records: TaskRecord[] = [];

  async function lifecycle(index: number): Promise<void> {
    const family: Family = index % FLYTE1_EVERY === FLYTE1_EVERY - 1 ? 'v1' : 'v2';
    const tag = `${options.tagPrefix}-${SEED}-${index}`;
    const record: TaskRecord = {
      tag,
      family,
      abortPlanned: index % ABORT_EVERY === 2,
      submissions: 0,
      createErrors: [],
      createFailedWithJob: 0,
      final: undefined,
    };
    records.push(record);
    const input: CreateTaskInput = {
      template,
      inputs: inputsToLiterals({ behaviour: options.behaviour, tag }, template),
      outputPrefix: `s3://bucket/${tag}`,
      // The same metadata on every re-send: the same attempt, hence the same idempotency key.
      metadata: localExecutionMetadata(template, tag),
      connection: family === 'v2' ? { secrets: { backend_token: TOKEN }, configs: {} } : undefined,
    };
    for (;;) {
      record.submissions += 1;
      const task = engines[family].submit(input);
      if (record.abortPlanned) toAbort.add(task);
      const final = await task.done;
      toAbort.delete(task);
      if (final.reason === 'create-failed') {
        const kind = final.error?.kind ?? 'UNKNOWN';
        record.createErrors.push(kind);
        if (backend.jobsForTag(tag).length > 0) record.createFailedWithJob += 1;
        if (TRANSIENT.has(kind) && record.submissions <= MAX_RESUBMITS) continue;
      }
      record.final = final;
      return;
    }
  }

  const started = performance.now();
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, options.tasks) }, async () => {
        while (next < options.tasks) await lifecycle(next++);
      }),
    );
    const wallSeconds = (performance.now() - started) / 1000;

    // Every external job must be accounted for by the engine's final state of its task.
    const byTag = new Map(records.map((r) => [r.tag, r]));
    const lost: string[] = [];
    for (const job of backend.jobs) {
      const final = byTag.get(job.tag)?.final;
      const observed =
        final !== undefined &&
        ((final.phase === 'SUCCEEDED' && final.resource?.customInfo?.['jobId'] === job.id) ||
          (final.phase === 'ABORTED' && final.deleted && job.deleted));
      if (!observed)
        lost.push(`${job.id} (${job.tag}): ${final?.phase ?? 'no final state'} ${final?.reason ?? ''}`);
    }
    const unfinished = records.filter(
      (r) => !(r.final?.phase === 'SUCCEEDED' || (r.final?.phase === 'ABORTED' && r.final.deleted)),
    );
    const jobsByKey = backend.jobsByKey();
    const duplicateKeys = [...jobsByKey.entries()].filter(([key, jobs]) => key !== '' && jobs.length > 1);
    const tasksWithSeveralJobs = records.filter((r) => backend.jobsForTag(r.tag).length > 1);
    const createErrors: Record<string, number> = {};
    for (const r of records) for (const kind of r.createErrors) count(createErrors, kind);
    const stats = { v1: engines.v1.stats().calls, v2: engines.v2.stats().calls };
    const sum = (key: keyof (typeof stats)['v1']) => stats.v1[key] + stats.v2[key];
    const faults = backend.faultFigures();
    const backendCalls = faults.calls.submit + faults.calls.status + faults.calls.cancel;
    const figures = {
      tasks: options.tasks,
      behaviour: options.behaviour,
      flyte2Tasks: records.filter((r) => r.family === 'v2').length,
      flyte1Tasks: records.filter((r) => r.family === 'v1').length,
      faultRate: RATE,
      seed: SEED,
      concurrency: CONCURRENCY,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      lifecyclesPerSecond: Math.round((options.tasks / wallSeconds) * 10) / 10,
      succeeded: records.filter((r) => r.final?.phase === 'SUCCEEDED').length,
      abortedAndDeleted: records.filter((r) => r.final?.phase === 'ABORTED' && r.final.deleted).length,
      abortsPlanned: records.filter((r) => r.abortPlanned).length,
      unfinished: unfinished.length,
      externalJobs: backend.jobs.length,
      lostTasks: lost.length,
      duplicateJobsByKey: duplicateKeys.length,
      tasksWithSeveralJobs: tasksWithSeveralJobs.length,
      jobsWithoutKey: jobsByKey.get('')?.length ?? 0,
      createTask: {
        calls: sum('create'),
        failed: sum('createFailed'),
        failedByCode: createErrors,
        tasksResent: records.filter((r) => r.submissions > 1).length,
        failedWhileTheJobExisted: records.reduce((n, r) => n + r.createFailedWithJob, 0),
      },
      getTask: {
        calls: sum('get'),
        errorsByCode: getErrors,
        runningAnswersForTransientFaults: transientRunning,
      },
      deleteTask: { calls: sum('delete'), failed: sum('deleteFailed') },
      backend: {
        calls: faults.calls,
        faultsInjected: faults.total,
        observedFaultRate: backendCalls === 0 ? 0 : Math.round((faults.total / backendCalls) * 1000) / 1000,
        faultsByKind: faults.byKind,
        faultsByOperation: faults.byOperation,
        submitsReattached: faults.reattached,
      },
      health: await healthCheck(service.grpcPort, ''),
    };
    return {
      figures,
      lost,
      unfinished,
      duplicateKeys,
      tasksWithSeveralJobs,
      getErrorSamples,
      createErrors,
      faults,
      jobs: backend.jobs.length,
    };
  } finally {
    engines.v1.close();
    engines.v2.close();
    clients.v1.close();
    clients.v2.close();
    await stopAllServices();
    await backend.stop();
  }
}

it(
  `${TASKS} task lifecycles through the client engine while ${Math.round(RATE * 100)} % of backend calls fail: none lost, no duplicate job, no GetTask error`,
  async () => {
    const run = await runScenario({ tasks: TASKS, behaviour: 'ok', tagPrefix: 'bf' });
    report('backend-faults', run.figures);
    expect(run.lost.slice(0, 10)).toEqual([]);
    expect(
      run.unfinished
        .slice(0, 10)
        .map(
          (r) =>
            `${r.tag}: ${r.final?.phase} ${r.final?.reason} ${r.final?.message} [${r.createErrors.join(', ')}]`,
        ),
    ).toEqual([]);
    expect(run.duplicateKeys.map(([key, jobs]) => `${key}: ${jobs.map((j) => j.id).join(', ')}`)).toEqual([]);
    expect(run.tasksWithSeveralJobs.map((r) => r.tag)).toEqual([]);
    expect(run.figures.jobsWithoutKey).toBe(0);
    expect(run.jobs).toBe(TASKS);
    expect(run.getErrorSamples).toEqual([]);
    // A failed CreateTask is accepted only when transient, re-sent for the same attempt and re-attached (above).
    expect(Object.keys(run.createErrors).filter((kind) => !TRANSIENT.has(kind))).toEqual([]);
    expect(run.figures.health).toBe('SERVING');
    if (RATE > 0 && TASKS >= 100) {
      // The faults really happened, of every kind, at about the planned rate, and reached every path.
      expect(FAULT_KINDS.filter((kind) => run.faults.byKind[kind] === 0)).toEqual([]);
      expect(Math.abs(run.figures.backend.observedFaultRate - RATE)).toBeLessThan(0.05);
      const { v1, v2 } = run.figures.getTask.runningAnswersForTransientFaults;
      expect(v1 + v2).toBeGreaterThan(0);
      expect(run.faults.reattached).toBeGreaterThan(0);
    }
  },
  60_000 + TASKS * 150,
);

it.runIf(RATE > 0)(
  'control: the same faults against a connector that sends no idempotency key duplicate and lose jobs',
  async () => {
    // Shows that the checks above can fail: a retried submit without a key creates a second job, which no task
    // ever observes (a duplicate and a lost job at once).
    const run = await runScenario({
      tasks: CONTROL_TASKS,
      behaviour: 'no-idempotency-key',
      tagPrefix: 'ctl',
    });
    report('backend-faults-control', run.figures);
    expect(run.tasksWithSeveralJobs.length).toBeGreaterThan(0);
    expect(run.lost.length).toBe(run.jobs - CONTROL_TASKS);
    expect(run.unfinished).toEqual([]);
    expect(run.getErrorSamples).toEqual([]);
  },
  60_000,
);
