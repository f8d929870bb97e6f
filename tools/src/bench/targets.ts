// The servers the suite compares, how each is started (pinned to the server core, logging to a file at its default
// level) and stopped. This project's service is measured on both protocol families, each against the peer that
// speaks it: Flyte 2 against flyte-sdk's `c0`, Flyte 1 against flytekit's `pyflyte serve connector`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { waitForServing } from './grpc.ts';
import type { Family } from './idl.ts';
import type { PythonEnv } from './install.ts';
import { benchConnector, benchDir, coreCli, pythonDir, repoRoot } from './paths.ts';
import { freePort, pinned, SERVER_CORE } from './proc.ts';

export type TargetId = 'ours-v2' | 'ours-v1' | 'flyte-sdk' | 'flytekit' | 'bare';

export interface Target {
  readonly id: TargetId;
  readonly label: string;
  /** The protocol family of the requests the target is measured with. */
  readonly family: Family;
  readonly kind: 'ours' | 'peer' | 'bare';
}

export const TARGETS: readonly Target[] = [
  { id: 'ours-v2', label: 'flyte-connect, Flyte 2', family: 'v2', kind: 'ours' },
  { id: 'flyte-sdk', label: 'flyte-sdk c0', family: 'v2', kind: 'peer' },
  { id: 'ours-v1', label: 'flyte-connect, Flyte 1', family: 'v1', kind: 'ours' },
  { id: 'flytekit', label: 'flytekit pyflyte serve connector', family: 'v1', kind: 'peer' },
  { id: 'bare', label: 'bare grpc-js', family: 'v2', kind: 'bare' },
];

/** The pairs each ratio is taken over: ours on a family against the peer of that family, and against bare. */
export const COMPARISONS: readonly { readonly ours: TargetId; readonly other: TargetId }[] = [
  { ours: 'ours-v2', other: 'flyte-sdk' },
  { ours: 'ours-v1', other: 'flytekit' },
  { ours: 'ours-v2', other: 'bare' },
];

export interface BareAnswer {
  /** The response, base64-encoded (a copy of our service's answer to the same request). */
  readonly base64: string;
  readonly delayMs?: number;
}

export interface StartOptions {
  readonly peers: Readonly<Record<'flyte-sdk' | 'flytekit', PythonEnv>>;
  /** Where the server's output goes. */
  readonly workDir: string;
  /** What the bare server answers, by method path. */
  readonly bareAnswers?: Readonly<Record<string, BareAnswer>>;
  readonly startTimeoutMs?: number;
}

export interface RunningServer {
  readonly target: Target;
  readonly pid: number;
  readonly port: number;
  /** Milliseconds from spawn to the first SERVING health answer. */
  readonly startMs: number;
  stop(): Promise<void>;
}

interface Command {
  readonly command: string;
  readonly args: string[];
  readonly cwd: string;
}

function commandFor(target: Target, port: number, metricsPort: number, options: StartOptions): Command {
  switch (target.id) {
    case 'ours-v1':
    case 'ours-v2':
      return {
        command: process.execPath,
        args: [
          coreCli,
          'serve',
          '--port',
          String(port),
          '--prometheus-port',
          String(metricsPort),
          '--host',
          '127.0.0.1',
          '--modules',
          benchConnector,
          // The Python servers run every call at once (their --worker has no effect on an asyncio server); core
          // queues calls beyond --worker, so the slow-create scenario needs room for all 10,000.
          '--worker',
          '20000',
        ],
        // Every target runs as deployed, with all first-party connectors installed: the Python environments have
        // the first-party plugins, and from the repository root discovery finds every connector package here.
        cwd: repoRoot,
      };
    case 'flyte-sdk':
      return {
        command: options.peers['flyte-sdk'].bin('c0'),
        args: [
          '--port',
          String(port),
          '--prometheus_port',
          String(metricsPort),
          '--modules',
          'bench_flyte_sdk',
        ],
        cwd: pythonDir,
      };
    case 'flytekit':
      return {
        command: options.peers.flytekit.bin('pyflyte'),
        args: [
          'serve',
          'connector',
          '--port',
          String(port),
          '--prometheus_port',
          String(metricsPort),
          '--modules',
          'bench_flytekit',
        ],
        cwd: pythonDir,
      };
    case 'bare':
      return {
        command: process.execPath,
        args: [join(benchDir, 'bare-server.ts'), String(port), JSON.stringify(options.bareAnswers ?? {})],
        cwd: benchDir,
      };
  }
}

/**
 * The servers' environment: this one, less the Python settings a deployment would not have (unbuffered output).
 * Bytecode writing stays off so that the bench modules leave no __pycache__ in the work tree; the installed
 * packages have theirs from the install.
 */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env['PYTHONUNBUFFERED'];
  return env;
}

export async function startServer(target: Target, options: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const metricsPort = await freePort();
  const { command, args, cwd } = commandFor(target, port, metricsPort, options);
  const [pinnedCommand, pinnedArgs] = pinned(SERVER_CORE, command, args);
  const logFile = openSync(join(options.workDir, `${target.id}-${port}.log`), 'w');
  const startedAt = performance.now();
  const child: ChildProcess = spawn(pinnedCommand, pinnedArgs, {
    cwd,
    env: serverEnv(),
    stdio: ['ignore', logFile, logFile],
  });
  closeSync(logFile);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const servingAt = await waitForServing(port, exited, options.startTimeoutMs ?? 120_000);
    return { target, pid: child.pid!, port, startMs: servingAt - startedAt, stop };
  } catch (error) {
    await stop();
    throw new Error(`${target.label} did not start (see ${options.workDir})`, { cause: error });
  }
}
