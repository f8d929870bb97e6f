// `flyte-connect run`, the built CLI as a user runs it: in-process and against a running service (both protocol
// families), exit codes, --json, secrets from the environment and files, Ctrl-C / SIGTERM / --timeout -> DeleteTask.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { TaskTemplateSchema } from '@flyteorg/flyteidl2/flyteidl2/core/tasks_pb.ts';
import { SimpleType } from '@flyteorg/flyteidl2/flyteidl2/core/types_pb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELETE_MARKER_ENV } from './fixtures/runner-connectors.js';
import {
  CLI_PATH,
  PACKAGE_DIR,
  startService,
  stopAllServices,
  type ServiceProcess,
} from './support/service-process.js';
import { sleep } from './support/util.js';

const RUNNER_FIXTURE = new URL('./fixtures/runner-connectors.ts', import.meta.url).pathname;
const IN_PROCESS = ['--no-discover', '--modules', RUNNER_FIXTURE];

let dir: string;
let marker: string;
let taskFile: string;
let service: ServiceProcess;

interface Run {
  readonly code: number | NodeJS.Signals;
  readonly stdout: string;
  readonly stderr: string;
}

interface Started {
  readonly child: ReturnType<typeof spawn>;
  readonly stderrText: () => string;
  readonly result: Promise<Run>;
}

/** Spawns `flyte-connect run ...` with a clean environment plus `env`. */
function start(args: readonly string[], env: Record<string, string> = {}): Started {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, [DELETE_MARKER_ENV]: marker, ...env };
  for (const key of Object.keys(childEnv)) {
    if (key.startsWith('FLYTE_CONNECTOR_') || key.startsWith('_FSEC_')) delete childEnv[key];
  }
  const child = spawn(process.execPath, [CLI_PATH, 'run', ...args], {
    cwd: PACKAGE_DIR,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`flyte-connect run ${args.join(' ')} did not finish.\n${stdout}\n${stderr}`));
    }, 25_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
  return { child, stderrText: () => stderr, result };
}

const run = (args: readonly string[], env?: Record<string, string>) => start(args, env).result;

async function waitForStderr(started: Started, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.stderrText().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no "${text}" on stderr:\n${started.stderrText()}`);
    await sleep(20);
  }
}

async function deletedXs(): Promise<string[]> {
  const text = await readFile(marker, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[0]!);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runner-cli-test-'));
  marker = join(dir, 'deleted.txt');
  taskFile = join(dir, 'runner.yaml');
  await writeFile(
    taskFile,
    [
      'type: runner_job',
      'inputs: { x: integer, duration_ms: integer, mode: string }',
      'outputs: { result: integer }',
    ].join('\n'),
  );
  service = await startService({
    extraArgs: ['--modules', RUNNER_FIXTURE],
    env: { [DELETE_MARKER_ENV]: marker },
  });
});

afterAll(async () => {
  await stopAllServices();
  await rm(dir, { recursive: true, force: true });
});

describe('flyte-connect run: in-process', () => {
  it('documents the task file, inputs, secrets and exit codes in --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const text of [
      '--inputs',
      '--secret-env',
      '--poll-interval',
      '--timeout',
      '--json',
      'Exit codes:',
      '130',
    ]) {
      expect(stdout).toContain(text);
    }
  });

  it('runs a task file to SUCCEEDED: outputs as JSON on stdout, progress on stderr', async () => {
    const { code, stdout, stderr } = await run([
      taskFile,
      ...IN_PROCESS,
      '--inputs',
      '{"x": 21, "duration_ms": 300}',
      '--poll-interval',
      '0.1',
    ]);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(stdout)).toEqual({ result: 42 });
    expect(stderr).toContain('RUNNING  crunching numbers');
    expect(stderr).toContain('log: Runner Console  https://runner.example/jobs/');
    expect(stderr).toMatch(/SUCCEEDED in \d+\.\ds/);
  });

  it('--json prints only the final resource, bigints beyond 2^53 as strings', async () => {
    const inputsFile = join(dir, 'inputs.json');
    await writeFile(inputsFile, '{"x": 1152921504606846976}');
    const { code, stdout } = await run([taskFile, ...IN_PROCESS, '--inputs-file', inputsFile, '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      phase: 'SUCCEEDED',
      reason: 'completed',
      outputs: { result: '2305843009213693952' },
      logLinks: [{ name: 'Runner Console' }],
      customInfo: { tokenLength: 0 },
      exitCode: 0,
    });
  });

  it('exits 1 when the task fails', async () => {
    const { code, stderr } = await run([taskFile, ...IN_PROCESS, '--inputs', '{"x": 1, "mode": "fail"}']);
    expect(code).toBe(1);
    expect(stderr).toContain('FAILED after');
    expect(stderr).toContain('the job failed on purpose');
  });

  it('exits 3 on a connector error', async () => {
    const { code, stderr } = await run([
      taskFile,
      ...IN_PROCESS,
      '--inputs',
      '{"x": 1, "mode": "bad-create"}',
    ]);
    expect(code).toBe(3);
    expect(stderr).toContain('CreateTask failed');
  });

  it('exits 3 when no loaded connector handles the task type', async () => {
    const other = join(dir, 'other.yaml');
    await writeFile(other, 'type: no_such_task');
    const { code, stderr } = await run([other, ...IN_PROCESS]);
    expect(code).toBe(3);
    expect(stderr).toContain('no connector handles task type no_such_task');
  });

  it.each([
    ['an undeclared input', ['--inputs', '{"y": 1}'], "Input 'y' is not declared"],
    ['an input of the wrong type', ['--inputs', '{"x": "abc"}'], "Input 'x'"],
    ['inputs that are not JSON', ['--inputs', '{"x": '], 'not valid JSON'],
    ['an unknown option', ['--bogus'], "unknown option '--bogus'"],
    [
      'a missing secret variable',
      ['--secret-env', 'runner_token=NOT_SET_ANYWHERE'],
      'NOT_SET_ANYWHERE is not set',
    ],
    ['--modules with --endpoint', ['--endpoint', '127.0.0.1:1'], 'cannot be combined with --endpoint'],
  ])('exits 2 on %s, creating nothing', async (_what, args, message) => {
    const { code, stderr, stdout } = await run([taskFile, ...IN_PROCESS, ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });

  it('exits 2 on a task file it cannot read', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'type: runner_job\nverison: 1');
    expect((await run([bad, ...IN_PROCESS])).code).toBe(2);
    expect((await run([join(dir, 'missing.yaml'), ...IN_PROCESS])).code).toBe(2);
  });

  it('reads secrets from environment variables and files, never from arguments', async () => {
    const secretFile = join(dir, 'token');
    await writeFile(secretFile, 'from-a-file\n');
    const fromEnv = await run(
      [taskFile, ...IN_PROCESS, '--inputs', '{"x": 1}', '--secret-env', 'runner_token=MY_TOKEN', '--json'],
      { MY_TOKEN: 'abcd' },
    );
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ customInfo: { tokenLength: 4 } });
    const fromFile = await run([
      taskFile,
      ...IN_PROCESS,
      '--inputs',
      '{"x": 1}',
      '--secret-file',
      `runner_token=${secretFile}`,
      '--json',
    ]);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ customInfo: { tokenLength: 'from-a-file'.length } });
  });

  it('reads a serialized TaskTemplate: binary, admin TaskSpec binary and proto JSON', async () => {
    const template = create(TaskTemplateSchema, {
      type: 'runner_job',
      interface: {
        inputs: {
          variables: [{ key: 'x', value: { type: { type: { case: 'simple', value: SimpleType.INTEGER } } } }],
        },
        outputs: {
          variables: [
            { key: 'result', value: { type: { type: { case: 'simple', value: SimpleType.INTEGER } } } },
          ],
        },
      },
    });
    const bytes = toBinary(TaskTemplateSchema, template);
    const files = {
      'template.pb': bytes,
      'task_spec.pb': new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(bytes).finish(),
      'template.json': new TextEncoder().encode(toJsonString(TaskTemplateSchema, template)),
    };
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(dir, name), content);
      const { code, stdout } = await run([join(dir, name), ...IN_PROCESS, '--inputs', '{"x": 5}']);
      expect({ name, code }).toEqual({ name, code: 0 });
      expect(JSON.parse(stdout)).toEqual({ result: 10 });
    }
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('on %s: DeleteTask, then exit 130', async (signal) => {
    const x = signal === 'SIGINT' ? 501 : 502;
    const started = start([
      taskFile,
      ...IN_PROCESS,
      '--inputs',
      `{"x": ${x}, "duration_ms": 60000}`,
      '--poll-interval',
      '0.2',
    ]);
    await waitForStderr(started, 'RUNNING');
    started.child.kill(signal);
    const { code, stderr } = await started.result;
    expect(code).toBe(130);
    expect(stderr).toContain('DeleteTask sent');
    expect(await deletedXs()).toContain(`x=${x}`);
  });

  it('on --timeout: DeleteTask, then exit 130', async () => {
    const { code, stderr } = await run([
      taskFile,
      ...IN_PROCESS,
      '--inputs',
      '{"x": 503, "duration_ms": 60000}',
      '--timeout',
      '0.5',
    ]);
    expect(code).toBe(130);
    expect(stderr).toContain('(timeout): DeleteTask sent');
    expect(await deletedXs()).toContain('x=503');
  });
});

describe.each(['v1', 'v2'] as const)('flyte-connect run --endpoint --protocol %s', (protocol) => {
  const remote = () => ['--endpoint', service.address, '--protocol', protocol];
  const base = protocol === 'v1' ? 600 : 700;

  it('runs a task against the service', async () => {
    const { code, stdout } = await run([
      taskFile,
      ...remote(),
      '--inputs',
      '{"x": 21, "duration_ms": 200}',
      '--poll-interval',
      '0.1',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ phase: 'SUCCEEDED', outputs: { result: 42 } });
  });

  it('exits 1 on a failed task and 3 on a service error', async () => {
    expect((await run([taskFile, ...remote(), '--inputs', '{"x": 1, "mode": "fail"}'])).code).toBe(1);
    expect((await run([taskFile, ...remote(), '--inputs', '{"x": 1, "mode": "bad-create"}'])).code).toBe(3);
  });

  it('on SIGINT: DeleteTask reaches the service, then exit 130', async () => {
    const started = start([
      taskFile,
      ...remote(),
      '--inputs',
      `{"x": ${base + 1}, "duration_ms": 60000}`,
      '--poll-interval',
      '0.2',
    ]);
    await waitForStderr(started, 'RUNNING');
    started.child.kill('SIGINT');
    expect((await started.result).code).toBe(130);
    expect(await deletedXs()).toContain(`x=${base + 1}`);
  });

  it('exits 3 when the service cannot be reached', async () => {
    const { code, stderr } = await run([
      taskFile,
      '--endpoint',
      '127.0.0.1:1',
      '--protocol',
      protocol,
      '--call-timeout',
      '1',
    ]);
    expect(code).toBe(3);
    expect(stderr).toContain('CreateTask failed');
  });

  if (protocol === 'v1') {
    it('refuses secrets: they must live with the server (exit 2)', async () => {
      const { code, stderr } = await run([taskFile, ...remote(), '--secret-env', 'runner_token=HOME']);
      expect(code).toBe(2);
      expect(stderr).toContain('must live with the server');
    });
  } else {
    it('sends secrets as connection.secrets', async () => {
      const { stdout } = await run(
        [taskFile, ...remote(), '--inputs', '{"x": 1}', '--secret-env', 'runner_token=MY_TOKEN', '--json'],
        {
          MY_TOKEN: 'abcdefg',
        },
      );
      expect(JSON.parse(stdout)).toMatchObject({ customInfo: { tokenLength: 7 } });
    });
  }
});
