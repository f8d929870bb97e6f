import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { corePackageFile } from '../package-files.js';

/** The `flyte-connect` CLI of this installation of core. */
const CLI_FILE = 'dist/cli/main.js';

/** What {@link startServiceProcess} starts. */
export interface ServiceProcessOptions {
  /** Connector modules to load with `--modules` (paths or package specifiers); nothing is discovered. */
  readonly modules: readonly string[];
  /** The service's environment (connector settings, server secrets). */
  readonly env: NodeJS.ProcessEnv;
  /** Pin the service to the last core with `taskset`, when there is more than one core and taskset exists. */
  readonly pin?: boolean;
  /** Node.js flags for the service process, e.g. `--max-semi-space-size=1`. */
  readonly nodeFlags?: readonly string[];
  /** More `flyte-connect serve` arguments, e.g. `['--worker', '64']`. */
  readonly args?: readonly string[];
  /** Give up when the service does not serve within this time. Default 20 s. */
  readonly startTimeoutMs?: number;
}

/** A running `flyte-connect serve` process. */
export interface ServiceProcess {
  /** The service process (its pid is the service's, pinned or not). */
  readonly child: ChildProcess;
  /** The gRPC port it listens on (127.0.0.1). */
  readonly grpcPort: number;
  /** The Prometheus `/metrics` and `/healthz` port. */
  readonly metricsPort: number;
  /** The core the service is pinned to, if it is. */
  readonly pinnedCore: number | undefined;
  /** Everything the service wrote so far (JSON log lines on stdout, stderr). */
  readonly log: string[];
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * Starts the connector service as it is deployed — this core's `flyte-connect serve`, loading the given modules,
 * nothing discovered, no server secrets directory — on 127.0.0.1 with free ports, and resolves once its `serving`
 * log line names the ports. For demos and benchmarks, which must measure the real process.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const args = [
    ...(options.nodeFlags ?? []),
    corePackageFile(CLI_FILE),
    'serve',
    '--port',
    '0',
    '--prometheus-port',
    '0',
    '--host',
    '127.0.0.1',
    '--no-discover',
    ...options.modules.flatMap((module) => ['--modules', module]),
    // Server secrets (Flyte 1) come from the environment given, never from the machine's /etc/secrets.
    '--secrets-dir',
    '/nonexistent/flyte-connect-service-process-secrets',
    ...(options.args ?? []),
  ];
  const cores = availableParallelism();
  const pinnedCore =
    options.pin === true && cores > 1 && spawnSync('taskset', ['-V']).status === 0 ? cores - 1 : undefined;
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  // taskset execs node, so the child's pid is the service's (benchmarks read its /proc entries).
  const child =
    pinnedCore === undefined
      ? spawn(process.execPath, args, { env: options.env, stdio })
      : spawn('taskset', ['-c', String(pinnedCore), process.execPath, ...args], { env: options.env, stdio });
  const log: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => log.push(chunk));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const lines = createInterface({ input: child.stdout });
  const timer = setTimeout(() => child.kill('SIGTERM'), options.startTimeoutMs ?? 20_000);
  try {
    for await (const line of lines) {
      log.push(`${line}\n`);
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as { event?: string; grpcPort?: number; metricsPort?: number };
      if (event.event === 'serving' && typeof event.grpcPort === 'number') {
        // Keep draining stdout so that the service never blocks on a full pipe.
        lines.on('line', (more) => log.push(`${more}\n`));
        return {
          child,
          grpcPort: event.grpcPort,
          metricsPort: event.metricsPort ?? 0,
          pinnedCore,
          log,
          stop,
        };
      }
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`the connector service exited before serving:\n${log.join('')}`);
}
