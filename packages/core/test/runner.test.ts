// runTask, the library form of `flyte-connect run`, end to end: in-process against the fixture connectors, and
// against a running service in both protocol families. DeleteTask is observed through the fixture's marker file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  parseTaskFile,
  runTask,
  type RunTaskOptions,
  type TaskTemplate,
} from '@org/connector-core';
import { DELETE_MARKER_ENV, RunnerJobConnector } from './fixtures/runner-connectors.js';
import { startService, stopAllServices, type ServiceProcess } from './support/service-process.js';

const RUNNER_FIXTURE = new URL('./fixtures/runner-connectors.ts', import.meta.url).pathname;

const template: TaskTemplate = parseTaskFile(
  new TextEncoder().encode(
    'type: runner_job\ninputs: { x: integer, duration_ms: integer, mode: string }\noutputs: { result: integer }',
  ),
  'runner.yaml',
).template;

let service: ServiceProcess;
let dir: string;
let marker: string;
let previousMarker: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runner-test-'));
  marker = join(dir, 'deleted.txt');
  // In-process connectors read the marker path from this process's environment, the service from its own.
  previousMarker = process.env[DELETE_MARKER_ENV];
  process.env[DELETE_MARKER_ENV] = marker;
  service = await startService({
    extraArgs: ['--modules', RUNNER_FIXTURE],
    env: { [DELETE_MARKER_ENV]: marker },
  });
});

afterAll(async () => {
  if (previousMarker === undefined) delete process.env[DELETE_MARKER_ENV];
  else process.env[DELETE_MARKER_ENV] = previousMarker;
  await stopAllServices();
  await rm(dir, { recursive: true, force: true });
});

async function deletedXs(): Promise<string[]> {
  const text = await readFile(marker, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[0]!);
}

type Target = 'in-process' | 'v1' | 'v2';
const targets: Target[] = ['in-process', 'v1', 'v2'];

function where(target: Target): Pick<RunTaskOptions, 'connectors' | 'endpoint' | 'protocol' | 'logger'> {
  return target === 'in-process'
    ? { connectors: [new RunnerJobConnector()], logger: createLogger({ level: 'silent' }) }
    : { endpoint: service.address, protocol: target };
}

describe.each(targets)('runTask (%s)', (target) => {
  // Distinct x values per target, so that the marker lines tell the runs apart.
  const base = { 'in-process': 100, v1: 200, v2: 300 }[target];

  it('runs a task to SUCCEEDED: progress, log links, outputs', async () => {
    const phases: string[] = [];
    const links = new Set<string>();
    const result = await runTask({
      template,
      inputs: { x: 21, duration_ms: 300, mode: 'ok' },
      ...where(target),
      pollIntervalMs: 100,
      onProgress: (event) => {
        if (event.type !== 'update') return;
        if (event.phaseChanged) phases.push(event.phase);
        for (const link of event.logLinks) links.add(link.uri);
      },
    });
    expect(result).toMatchObject({
      phase: 'SUCCEEDED',
      reason: 'completed',
      exitCode: 0,
      outputs: { result: 42n },
    });
    expect(phases).toEqual(['RUNNING', 'SUCCEEDED']);
    expect([...links]).toHaveLength(1); // shown while RUNNING already
    expect(result.logLinks[0]?.name).toBe('Runner Console');
    expect(result.customInfo).toMatchObject({ tokenLength: 0 });
  });

  it('keeps every digit of a big integer input and output', async () => {
    const result = await runTask({ template, inputs: { x: '1152921504606846976' }, ...where(target) });
    expect(result.outputs).toEqual({ result: 2305843009213693952n });
  });

  it.each([
    ['fail', 'FAILED', 'the job failed on purpose'],
    ['retryable', 'RETRYABLE_FAILED', 'try again later'],
  ])('reports a task that ends %s with exit code 1', async (mode, phase, message) => {
    const result = await runTask({ template, inputs: { x: 1, mode }, ...where(target) });
    expect(result).toMatchObject({ phase, message, reason: 'completed', exitCode: 1, outputs: undefined });
  });

  it('reports a failed CreateTask as a service error (exit code 3)', async () => {
    const result = await runTask({ template, inputs: { x: 1, mode: 'bad-create' }, ...where(target) });
    expect(result).toMatchObject({ reason: 'create-failed', exitCode: 3, resourceMeta: undefined });
    expect(result.error?.kind).toBe('INTERNAL');
    expect(result.message).toContain('the backend refused the job');
  });

  it('gives up after maxGetFailures failed GetTasks, backing off in between (exit code 3)', async () => {
    const errors: number[] = [];
    const result = await runTask({
      template,
      inputs: { x: 1, mode: 'broken-get' },
      ...where(target),
      pollIntervalMs: 50,
      maxGetFailures: 3,
      onProgress: (event) => {
        if (event.type === 'get-error') errors.push(event.consecutiveFailures);
      },
    });
    expect(result).toMatchObject({ phase: 'FAILED', reason: 'get-failures', exitCode: 3 });
    expect(errors).toEqual([1, 2, 3]);
  });

  it('aborts on the signal with DeleteTask (exit code 130)', async () => {
    const controller = new AbortController();
    const result = await runTask({
      template,
      inputs: { x: base + 1, duration_ms: 60_000 },
      ...where(target),
      pollIntervalMs: 100,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'update' && event.phase === 'RUNNING') controller.abort();
      },
    });
    expect(result).toMatchObject({ phase: 'ABORTED', interrupted: 'signal', deleted: true, exitCode: 130 });
    expect(await deletedXs()).toContain(`x=${base + 1}`);
  });

  it('aborts on the timeout with DeleteTask (exit code 130)', async () => {
    const result = await runTask({
      template,
      inputs: { x: base + 2, duration_ms: 60_000 },
      ...where(target),
      pollIntervalMs: 100,
      timeoutMs: 500,
    });
    expect(result).toMatchObject({ phase: 'ABORTED', interrupted: 'timeout', deleted: true, exitCode: 130 });
    expect(await deletedXs()).toContain(`x=${base + 2}`);
  });

  it('never deletes a task that completed', async () => {
    await runTask({ template, inputs: { x: base + 3 }, ...where(target) });
    expect(await deletedXs()).not.toContain(`x=${base + 3}`);
  });

  if (target === 'v1') {
    it('refuses per-request secrets: Flyte 1 keeps them with the server', async () => {
      await expect(
        runTask({ template, inputs: { x: 1 }, ...where(target), secrets: { runner_token: 'abc' } }),
      ).rejects.toThrow(/must live with the server/);
    });
  } else {
    it('sends secrets as connection.secrets', async () => {
      const result = await runTask({
        template,
        inputs: { x: 1 },
        ...where(target),
        secrets: { runner_token: 'abcdef' },
      });
      expect(result.customInfo).toMatchObject({ tokenLength: 6 });
    });
  }
});
