import { execFile } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CommandOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Default 5 minutes: an install through a cold registry cache on a loaded machine is slow. */
  readonly timeoutMs?: number;
}

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command and returns its output. Asynchronous on purpose: the local registry may be answering from a
 * child of this very process, and a blocked event loop would only delay it, never deadlock it.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandOutput> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      timeout: options.timeoutMs ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return { stdout, stderr };
  } catch (error) {
    const failure = error as Partial<CommandOutput> & { code?: unknown; signal?: unknown };
    const code = typeof failure.signal === 'string' ? failure.signal : String(failure.code);
    throw new Error(
      `\`${[command, ...args].join(' ')}\` in ${options.cwd} failed (${code}):\n${failure.stderr ?? ''}${failure.stdout ?? ''}`,
      { cause: error },
    );
  }
}

/** `npm <args>` as a user types it, with the user's npm configuration (see `userEnv`). */
export function runNpm(args: readonly string[], options: CommandOptions): Promise<CommandOutput> {
  return runCommand('npm', args, options);
}

/** `npx <args>` as a user types it. */
export function runNpx(args: readonly string[], options: CommandOptions): Promise<CommandOutput> {
  return runCommand('npx', args, options);
}

// npm passes its configuration to scripts as npm_* variables. When these tools run under `npm run` or Nx, the
// workspace's settings (its prefix, workspace selection, registry) would leak into a "fresh" user project;
// only the settings that describe the machine (cache, proxies, certificates) are kept.
const MACHINE_NPM_SETTINGS = new Set([
  'npm_config_cache',
  'npm_config_userconfig',
  'npm_config_proxy',
  'npm_config_https_proxy',
  'npm_config_noproxy',
  'npm_config_cafile',
  'npm_config_strict_ssl',
]);

/**
 * The environment of a user at a shell on this machine: the current one without the npm and test-runner
 * variables the workspace's own tooling set, with this process's Node first on PATH so that npm, npx and the
 * installed bins run on the same Node as the tests.
 */
export function userEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    const npmSetting = lower.startsWith('npm_') && !MACHINE_NPM_SETTINGS.has(lower);
    if (npmSetting || key === 'INIT_CWD' || key.startsWith('VITEST') || key === 'NODE_OPTIONS') continue;
    if (key === 'NODE_ENV') continue;
    env[key] = value;
  }
  env['PATH'] = [dirname(process.execPath), env['PATH'] ?? ''].join(delimiter);
  return { ...env, ...extra };
}
