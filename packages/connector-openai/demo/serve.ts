// Starts the connector service as deployed — the built `flyte-connect serve` loading this package's built plugin,
// nothing discovered — on 127.0.0.1 with free ports, and waits for its `serving` log line. Shared by the demo and the
// bench. (The same file exists in the other connectors' demo/: it is generic and belongs in core's testing kit.)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PLUGIN = join(PACKAGE_DIR, 'dist/plugin.js');
export const CLI = join(PACKAGE_DIR, '../core/dist/cli/main.js');

/** Exits with 2 and says what to build when the plugin or core's CLI is missing. */
export function requireBuilt(say: (text: string) => void, packageName: string): void {
  if (existsSync(PLUGIN) && existsSync(CLI)) return;
  say('the connector or core is not built:');
  for (const path of [CLI, PLUGIN]) if (!existsSync(path)) say(`  missing ${path}`);
  say(`run \`npm run build\` at the repository root first, then \`npm run … -w ${packageName}\` again.`);
  process.exit(2);
}

export interface ServedService {
  readonly child: ChildProcess;
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** Whether the service runs pinned to the last core (taskset). */
  readonly pinnedCore: number | undefined;
  /** Everything the service wrote (JSON log lines on stdout, stderr). */
  readonly log: string[];
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Pin the service to the last core with taskset when there is more than one core and taskset exists. */
  readonly pin?: boolean;
  /** Give up when the service does not serve within this time (default 20 s). */
  readonly startTimeoutMs?: number;
}

export async function serveBuilt(options: ServeOptions): Promise<ServedService> {
  const args = [
    CLI,
    'serve',
    '--port',
    '0',
    '--prometheus-port',
    '0',
    '--host',
    '127.0.0.1',
    '--no-discover',
    '--modules',
    PLUGIN,
    // Server secrets (Flyte 1) are not used: tasks carry theirs per request.
    '--secrets-dir',
    '/nonexistent/flyte-connect-demo-secrets',
  ];
  const cores = availableParallelism();
  const pinnedCore =
    options.pin === true && cores > 1 && spawnSync('taskset', ['-V']).status === 0 ? cores - 1 : undefined;
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  // taskset execs node, so the child's pid is the service's (the bench reads its /proc entries).
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
