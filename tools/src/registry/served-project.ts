// `npx flyte-connect serve` in a user's project, as the user starts it, on ephemeral loopback ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { userEnv } from './commands.ts';

export interface ServedProject {
  readonly grpcPort: number;
  /** What the `serving` log line reported: `{ name, taskTypes, sync }` per connector, and load problems. */
  readonly serving: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts the service in `cwd` and resolves once it logged that it is serving. */
export async function serveProject(
  cwd: string,
  args: readonly string[] = [],
  timeoutMs = 60_000,
): Promise<ServedProject> {
  const child = spawn(
    'npx',
    [
      'flyte-connect',
      'serve',
      '--host=127.0.0.1',
      '--port=0',
      '--prometheus-port=0',
      // Never the machine's /etc/secrets.
      `--secrets-dir=${cwd}/no-secrets`,
      ...args,
    ],
    // Its own process group, so that stop() reaches the service behind npx as well.
    { cwd, env: userEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const stop = () => stopGroup(child);
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const serving = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`not serving after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(new Error(`${error.message}; output:\n${output.join('\n')}`));
    };
    child.once('exit', (code) => fail(new Error(`flyte-connect exited (${String(code)})`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const event = parseJson(line);
      if (event?.['event'] !== 'serving') return;
      clearTimeout(timer);
      resolve(event);
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { grpcPort: serving['grpcPort'] as number, serving, stop };
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
