// The client engine against real connectors: 10,000 tasks tracked at once in-process, and the full lifecycle
// (including abort -> DeleteTask, observed by the connector) over gRPC in both protocol families.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGrpcClient,
  createInProcessClient,
  inputsToLiterals,
  parseTaskFile,
  TaskEngine,
  type ConnectorClient,
  type TaskTemplate,
} from '@org/connector-core';
import { DELETE_MARKER_ENV, TrivialJobConnector } from './fixtures/runner-connectors.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';
import { pollUntil } from './support/util.js';

const RUNNER_FIXTURE = new URL('./fixtures/runner-connectors.ts', import.meta.url).pathname;

function template(yaml: string): TaskTemplate {
  return parseTaskFile(new TextEncoder().encode(yaml), 'task.yaml').template;
}

const trivial = template('type: trivial_job\ninputs: { duration_ms: integer }');
const runnerJob = template(
  'type: runner_job\ninputs: { x: integer, duration_ms: integer, mode: string }\noutputs: { result: integer }',
);

describe('TaskEngine with the in-process client', () => {
  it('tracks 10,000 tasks at once and finalizes them all', async () => {
    const client = createInProcessClient({
      connectors: [new TrivialJobConnector()],
      env: {},
      secretsDir: '/nonexistent/flyte-connect-test-secrets',
      worker: 64,
    });
    // Every task stays RUNNING for 8 s after its creation, so that all 10,000 are tracked at once even when creating
    // them takes seconds on a loaded machine; polled every 500 ms by 20 workers.
    const engine = new TaskEngine({
      client,
      resyncMs: 500,
      workers: 20,
      readQps: 100_000,
      readBurst: 1000,
      writeQps: 100_000,
      writeBurst: 1000,
    });
    const inputs = inputsToLiterals({ duration_ms: 8000 }, trivial);
    const started = performance.now();
    const tasks = Array.from({ length: 10_000 }, () =>
      engine.submit({ template: trivial, inputs, outputPrefix: '' }),
    );
    let peakTracked = 0;
    let peakRunning = 0;
    const sampler = setInterval(() => {
      const stats = engine.stats();
      peakTracked = Math.max(peakTracked, stats.tracked);
      peakRunning = Math.max(peakRunning, stats.byPhase.RUNNING ?? 0);
      expect(stats.inFlightGets).toBeLessThanOrEqual(20);
    }, 50);
    const finals = await Promise.all(tasks.map((t) => t.done));
    clearInterval(sampler);
    const elapsed = performance.now() - started;

    expect(finals.every((f) => f.phase === 'SUCCEEDED' && f.reason === 'completed')).toBe(true);
    expect(peakTracked).toBe(10_000);
    expect(peakRunning).toBe(10_000);
    const stats = engine.stats();
    expect(stats).toMatchObject({ tracked: 0, finalized: 10_000, byPhase: {} });
    expect(stats.calls.create).toBe(10_000);
    expect(stats.calls.getFailed).toBe(0);
    // Each task: the immediate GetTask (RUNNING), then resyncs until it is ready: at least two calls.
    expect(stats.calls.get).toBeGreaterThanOrEqual(20_000);
    expect(elapsed).toBeLessThan(45_000);
    engine.close();
    client.close();
  }, 90_000);
});

describe.each(['v1', 'v2'] as const)('TaskEngine over gRPC (%s)', (protocol) => {
  let service: ServiceProcess;
  let client: ConnectorClient;
  let dir: string;
  let marker: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'engine-test-'));
    marker = join(dir, 'deleted.txt');
    service = await startService({
      extraArgs: ['--modules', RUNNER_FIXTURE],
      env: { [DELETE_MARKER_ENV]: marker },
    });
    client = createGrpcClient({ endpoint: service.address, protocol });
  });

  afterAll(async () => {
    client.close();
    await stopAllServices();
    await rm(dir, { recursive: true, force: true });
  });

  const submit = (engine: TaskEngine, x: number, mode: string, durationMs = 0) =>
    engine.submit({
      template: runnerJob,
      inputs: inputsToLiterals({ x, mode, duration_ms: durationMs }, runnerJob),
      outputPrefix: `s3://bucket/${protocol}/${x}`,
    });

  it('runs tasks to their final phases, with outputs, and deletes an aborted one', async () => {
    const engine = new TaskEngine({ client, resyncMs: 100, workers: 4 });
    const phases: string[] = [];
    engine.on('phase', ({ task, phase }) => phases.push(`${task.id}:${phase}`));
    const ok = submit(engine, 21, 'ok', 300);
    const failed = submit(engine, 22, 'fail');
    const retryable = submit(engine, 23, 'retryable');
    const aborted = submit(engine, 24, 'ok', 60_000);
    await pollUntil(
      async () => aborted.phase,
      (phase) => phase === 'RUNNING',
    );

    const abortedFinal = await aborted.abort();
    expect(abortedFinal).toMatchObject({ phase: 'ABORTED', reason: 'aborted', deleted: true });
    const okFinal = await ok.done;
    expect(okFinal).toMatchObject({ phase: 'SUCCEEDED', reason: 'completed' });
    expect(okFinal.resource?.outputs?.literals[0]?.name).toBe('result');
    expect(okFinal.resource?.outputs?.literals[0]?.value?.value).toMatchObject({
      case: 'scalar',
      value: { value: { case: 'primitive', value: { value: { case: 'integer', value: 42n } } } },
    });
    expect(await failed.done).toMatchObject({ phase: 'FAILED', message: 'the job failed on purpose' });
    expect(await retryable.done).toMatchObject({ phase: 'RETRYABLE_FAILED', message: 'try again later' });
    expect(phases).toContain(`${ok.id}:RUNNING`);
    expect(phases).toContain(`${ok.id}:SUCCEEDED`);

    // DeleteTask reached the connector for the aborted task only (never after normal completion).
    const deleted = (await readFile(marker, 'utf8')).trim().split('\n');
    expect(deleted.map((line) => line.split(' ')[0])).toEqual(['x=24']);
    expect(engine.stats()).toMatchObject({ tracked: 0, finalized: 4 });
    engine.close();
  });

  it('fails a task whose GetTask keeps failing, after the budget', async () => {
    const engine = new TaskEngine({ client, resyncMs: 20, maxGetFailures: 3 });
    const final = await submit(engine, 25, 'broken-get').done;
    expect(final).toMatchObject({ phase: 'FAILED', reason: 'get-failures' });
    expect(final.error?.kind).toBe('INTERNAL');
    expect(final.message).toContain('status lookup crashed');
    expect(engine.stats().calls).toMatchObject({ get: 3, getFailed: 3 });
    engine.close();
  });

  it('reports a failed CreateTask as create-failed', async () => {
    const engine = new TaskEngine({ client });
    const final = await submit(engine, 26, 'bad-create').done;
    expect(final).toMatchObject({ phase: 'RETRYABLE_FAILED', reason: 'create-failed' });
    expect(final.message).toContain('the backend refused the job');
    engine.close();
  });
});
