// runTask against in-process connectors written here (the integration tests in test/ cover gRPC and the CLI).
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AsyncConnector, type CreateContext, type OperationContext } from '../connector.js';
import { OutputsSchema } from '../gen/v2/flyteidl2/task/common_pb.js';
import { createLogger } from '../logging.js';
import { jsonMetaCodec } from '../meta-codec.js';
import type { Resource } from '../resource.js';
import type { ConnectorSpec } from '../spec/types.js';
import { valueToLiteral } from '../literals/index.js';
import { parseTaskFile } from './task-file.js';
import { exitCodeOf, runTask, type RunProgress } from './run-task.js';
import { parseTypeSpec } from './type-vocabulary.js';

interface Meta {
  readonly mode: string;
  readonly prefix: string;
}

/** `unit_job`: behaviour by the `mode` input; counts its calls. */
class UnitConnector extends AsyncConnector<Meta> {
  readonly name = 'Unit';
  readonly taskCategory = 'unit_job';
  readonly spec: ConnectorSpec = { description: 'unit', params: {} };
  readonly metaCodec = jsonMetaCodec((value) => value as Meta);
  readonly calls = { create: 0, get: 0, delete: 0 };
  gets: Resource[] = [];

  async create(ctx: CreateContext): Promise<Meta> {
    this.calls.create += 1;
    return { mode: (ctx.inputs['mode'] as string | undefined) ?? 'ok', prefix: ctx.outputPrefix };
  }

  async get(meta: Meta, ctx: OperationContext): Promise<Resource> {
    this.calls.get += 1;
    if (meta.mode === 'flaky' && this.calls.get <= 2) throw new Error('flaky status');
    if (meta.mode === 'never') return { phase: 'RUNNING', message: 'forever' };
    if (meta.mode === 'file-outputs') {
      const literal = valueToLiteral(7n, parseTypeSpec('integer', 'n'), 'n');
      const outputs = create(OutputsSchema, { literals: [{ name: 'n', value: literal }] });
      await writeFile(join(meta.prefix, 'outputs.pb'), toBinary(OutputsSchema, outputs));
      return { phase: 'SUCCEEDED' };
    }
    return { phase: 'SUCCEEDED', outputs: ctx.outputTypes.has('n') ? { n: 2n ** 60n } : {} };
  }

  async delete(): Promise<void> {
    this.calls.delete += 1;
  }
}

const { template } = parseTaskFile(
  new TextEncoder().encode('type: unit_job\ninputs: { mode: string }\noutputs: { n: integer }'),
  'unit.yaml',
);
const quiet = createLogger({ level: 'silent' });

describe('runTask (in-process)', () => {
  it('runs to SUCCEEDED and converts the outputs by their declared types', async () => {
    const connector = new UnitConnector();
    const events: RunProgress['type'][] = [];
    const result = await runTask({
      template,
      connectors: [connector],
      logger: quiet,
      onProgress: (e) => events.push(e.type),
    });
    expect(result).toMatchObject({
      phase: 'SUCCEEDED',
      reason: 'completed',
      exitCode: 0,
      outputs: { n: 2n ** 60n },
    });
    expect(events).toEqual(['created', 'update']);
    expect(connector.calls).toEqual({ create: 1, get: 1, delete: 0 });
  });

  it('reads <output_prefix>/outputs.pb when the resource carries no outputs, as Flyte does', async () => {
    const prefix = await mkdtemp(join(tmpdir(), 'run-task-test-'));
    const result = await runTask({
      template,
      inputs: { mode: 'file-outputs' },
      connectors: [new UnitConnector()],
      outputPrefix: prefix,
      logger: quiet,
    });
    expect(result.outputs).toEqual({ n: 7n });
  });

  it('removes its temporary output prefix when the connector left it empty', async () => {
    const result = await runTask({ template, connectors: [new UnitConnector()], logger: quiet });
    await expect(readdir(result.outputPrefix)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('backs off after failed GetTasks and recovers', async () => {
    const connector = new UnitConnector();
    const errors: number[] = [];
    const result = await runTask({
      template,
      inputs: { mode: 'flaky' },
      connectors: [connector],
      pollIntervalMs: 10,
      logger: quiet,
      onProgress: (e) => {
        if (e.type === 'get-error') errors.push(e.consecutiveFailures);
      },
    });
    expect(result.phase).toBe('SUCCEEDED');
    expect(errors).toEqual([1, 2]);
    expect(connector.calls.get).toBe(3);
  });

  it('aborts on the signal: DeleteTask, then exit code 130', async () => {
    const connector = new UnitConnector();
    const controller = new AbortController();
    const running = runTask({
      template,
      inputs: { mode: 'never' },
      connectors: [connector],
      pollIntervalMs: 20,
      signal: controller.signal,
      logger: quiet,
      onProgress: (e) => {
        if (e.type === 'update') controller.abort();
      },
    });
    const result = await running;
    expect(result).toMatchObject({
      phase: 'ABORTED',
      reason: 'aborted',
      interrupted: 'signal',
      deleted: true,
      exitCode: 130,
    });
    expect(connector.calls.delete).toBe(1);
  });

  it('aborts on the timeout', async () => {
    const connector = new UnitConnector();
    const result = await runTask({
      template,
      inputs: { mode: 'never' },
      connectors: [connector],
      pollIntervalMs: 20,
      timeoutMs: 100,
      logger: quiet,
    });
    expect(result).toMatchObject({ reason: 'aborted', interrupted: 'timeout', deleted: true, exitCode: 130 });
    expect(result.durationMs).toBeGreaterThanOrEqual(95);
  });

  it('refuses wrong options and inputs before creating anything', async () => {
    const connector = new UnitConnector();
    await expect(runTask({ template, logger: quiet })).rejects.toThrow(/exactly one/);
    await expect(runTask({ template, inputs: { nope: 1 }, connectors: [connector] })).rejects.toThrow(
      /not declared/,
    );
    await expect(
      runTask({ template, endpoint: '127.0.0.1:1', protocol: 'v1', secrets: { token: 'x' } }),
    ).rejects.toThrow(/must live with the server/);
    expect(connector.calls.create).toBe(0);
  });
});

describe('exitCodeOf', () => {
  it('maps outcomes to the documented exit codes', () => {
    expect(exitCodeOf({ phase: 'SUCCEEDED', reason: 'completed', outputsError: undefined })).toBe(0);
    expect(exitCodeOf({ phase: 'SUCCEEDED', reason: 'completed', outputsError: 'bad' })).toBe(3);
    expect(exitCodeOf({ phase: 'FAILED', reason: 'completed', outputsError: undefined })).toBe(1);
    expect(exitCodeOf({ phase: 'ABORTED', reason: 'completed', outputsError: undefined })).toBe(1);
    expect(exitCodeOf({ phase: 'RETRYABLE_FAILED', reason: 'completed', outputsError: undefined })).toBe(1);
    expect(exitCodeOf({ phase: 'RETRYABLE_FAILED', reason: 'create-failed', outputsError: undefined })).toBe(
      3,
    );
    expect(exitCodeOf({ phase: 'FAILED', reason: 'get-failures', outputsError: undefined })).toBe(3);
    expect(exitCodeOf({ phase: 'FAILED', reason: 'bad-phase', outputsError: undefined })).toBe(3);
    expect(exitCodeOf({ phase: 'ABORTED', reason: 'aborted', outputsError: undefined })).toBe(130);
  });
});
