// Runs the real, built CLI (`dist/cli/main.js`) as a child process, the way a deployment runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { healthCheck } from './grpc-extras.js';

/** packages/core */
export const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const FIXTURE_MODULE = fileURLToPath(new URL('../fixtures/test-connectors.ts', import.meta.url));

/** One line the service printed. `json` is set when the line is a JSON object (the service logs JSON lines). */
export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

export interface ServiceOptions {
  /** `--worker` */
  readonly worker?: number;
  /** `--grace-period` in seconds */
  readonly gracePeriod?: number;
  /** `--secrets-dir`; defaults to a directory that does not exist, so that the machine's /etc/secrets is never read. */
  readonly secretsDir?: string;
  /** `--timeout` in seconds */
  readonly timeout?: number;
  /** More CLI arguments, appended after the standard ones. */
  readonly extraArgs?: readonly string[];
  /** Extra environment variables for the child (on top of the inherited ones). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the `serving` line. Default 20 s (start-up on a loaded 2-core machine). */
  readonly startTimeoutMs?: number;
  /**
   * After the `serving` line, also wait for a gRPC health check to answer SERVING (what a readiness probe does).
   * Default true: it guarantees the CLI has finished starting (signal handlers included) before a test proceeds.
   */
  readonly waitUntilHealthy?: boolean;
}

const live = new Set<ServiceProcess>();

function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  // Keep every SDK's traffic on this machine; never let the test runner's own settings leak into the service.
  const env: NodeJS.ProcessEnv = { ...process.env, METADATA_SERVER_DETECTION: 'none', ...extra };
  for (const key of Object.keys(env)) {
    if (key.startsWith('FLYTE_CONNECTOR_') || key.startsWith('_FSEC_')) delete env[key];
  }
  delete env['LOG_LEVEL'];
  delete env['NODE_OPTIONS'];
  return { ...env, ...extra };
}

function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(
      `The CLI is not built (${CLI_PATH} is missing). Run \`npx tsc -b tsconfig.lib.json\` in packages/core first.`,
    );
  }
}

/** Splits a stream into lines and hands each complete line to `onLine`. */
function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let index: number;
    while ((index = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, index));
      pending = pending.slice(index + 1);
    }
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
    pending = '';
  });
}

function parseJsonLine(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A running `flyte-connect serve`. */
export class ServiceProcess {
  readonly logs: LogLine[] = [];
  /** Settles with the exit code (or the signal name when killed by one). */
  readonly exited: Promise<number | NodeJS.Signals>;
  private exitResult: number | NodeJS.Signals | undefined;
  private readonly waiters = new Set<() => void>();
  grpcPort = 0;
  metricsPort = 0;

  constructor(
    readonly child: ChildProcess,
    readonly args: readonly string[],
  ) {
    this.exited = new Promise((resolve) => {
      // 'close' (not 'exit'): it comes after stdout and stderr ended, so every line has been captured by then.
      child.once('close', (code, signal) => {
        this.exitResult = code ?? signal ?? -1;
        live.delete(this);
        resolve(this.exitResult);
        this.notify();
      });
    });
    onLines(child.stdout!, (text) => this.push({ stream: 'stdout', text, json: parseJsonLine(text) }));
    onLines(child.stderr!, (text) => this.push({ stream: 'stderr', text, json: parseJsonLine(text) }));
  }

  get running(): boolean {
    return this.exitResult === undefined;
  }

  get address(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  /** Everything the service printed, as one text (for leak checks and error messages). */
  get output(): string {
    return this.logs.map((line) => line.text).join('\n');
  }

  get stderr(): string {
    return this.logs
      .filter((line) => line.stream === 'stderr')
      .map((line) => line.text)
      .join('\n');
  }

  /** JSON log lines only. */
  get jsonLogs(): Record<string, unknown>[] {
    return this.logs.flatMap((line) => (line.json === undefined ? [] : [line.json]));
  }

  private push(line: LogLine): void {
    this.logs.push(line);
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first log line (already captured or still to come) that matches. */
  waitForLog(
    predicate: (line: LogLine) => boolean,
    timeoutMs = 10_000,
    what = 'a matching log line',
  ): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.logs.find(predicate);
        if (found !== undefined) {
          finish();
          resolve(found);
          return true;
        }
        if (!this.running) {
          finish();
          reject(
            new Error(
              `The service exited (${String(this.exitResult)}) before printing ${what}.\n${this.describe()}`,
            ),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.\n${this.describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      this.waiters.add(waiter);
      check();
    });
  }

  /** Waits for a JSON log line whose `event` field has this value. */
  waitForEvent(event: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.waitForLog((line) => line.json?.['event'] === event, timeoutMs, `the "${event}" event`).then(
      (line) => line.json!,
    );
  }

  /** Sends a signal and resolves with the exit code. Resolves at once when the process has exited already. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | NodeJS.Signals> {
    if (this.running) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(
          new Error(`The service did not exit within ${timeoutMs} ms after ${signal}.\n${this.describe()}`),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process without waiting for a drain (for clean-up). */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  describe(): string {
    const tail = this.logs.slice(-40).map((line) => `  [${line.stream}] ${line.text}`);
    return `command: node ${this.args.join(' ')}\noutput (last ${tail.length} lines):\n${tail.join('\n') || '  (none)'}`;
  }
}

/** The standard `serve` arguments: loopback only, free ports, the fixture connectors, no package discovery. */
export function serveArgs(options: ServiceOptions = {}): string[] {
  return [
    CLI_PATH,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--prometheus-port',
    '0',
    '--no-discover',
    '--modules',
    FIXTURE_MODULE,
    '--secrets-dir',
    options.secretsDir ?? '/nonexistent/flyte-connect-test-secrets',
    ...(options.worker === undefined ? [] : ['--worker', String(options.worker)]),
    ...(options.gracePeriod === undefined ? [] : ['--grace-period', String(options.gracePeriod)]),
    ...(options.timeout === undefined ? [] : ['--timeout', String(options.timeout)]),
    ...(options.extraArgs ?? []),
  ];
}

/** Starts the service and resolves once it has printed its `serving` line. */
export async function startService(options: ServiceOptions = {}): Promise<ServiceProcess> {
  assertBuilt();
  const args = serveArgs(options);
  const child = spawn(process.execPath, args, {
    cwd: PACKAGE_DIR,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = new ServiceProcess(child, args);
  live.add(service);
  child.once('error', () => undefined); // reported through `exited` / waitForLog
  try {
    const serving = await service.waitForEvent('serving', options.startTimeoutMs ?? 20_000);
    const grpcPort = serving['grpcPort'];
    const metricsPort = serving['metricsPort'];
    if (typeof grpcPort !== 'number' || typeof metricsPort !== 'number') {
      throw new Error(`The "serving" line lacks grpcPort/metricsPort: ${JSON.stringify(serving)}`);
    }
    service.grpcPort = grpcPort;
    service.metricsPort = metricsPort;
    if (options.waitUntilHealthy ?? true) {
      const status = await healthCheck(grpcPort, '', 10_000);
      if (status !== 'SERVING')
        throw new Error(`health check answered ${status} after start-up\n${service.describe()}`);
    }
    return service;
  } catch (error) {
    service.kill();
    throw error;
  }
}

/** Kills every service process still running (for afterAll; a failed test must not leave processes behind). */
export async function stopAllServices(): Promise<void> {
  const running = [...live];
  for (const service of running) service.kill();
  await Promise.all(running.map((service) => service.exited));
}

process.once('exit', () => {
  for (const service of live) service.kill();
});

export interface CliResult {
  readonly code: number | NodeJS.Signals;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Runs the CLI to completion (for `--help`, `list`, failing start-ups) and collects its output. */
export function runCli(args: readonly string[], timeoutMs = 20_000): Promise<CliResult> {
  assertBuilt();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: PACKAGE_DIR,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `flyte-connect ${args.join(' ')} did not finish within ${timeoutMs} ms.\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}
