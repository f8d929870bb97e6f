import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNpm } from './commands.ts';
import { verdaccioConfig, type Upstream } from './verdaccio-config.ts';

export interface LocalRegistryOptions {
  /** Scopes served only from what is published to this registry. Default `['@org']`. */
  readonly localScopes?: readonly string[];
  /** Default: the registry and proxies this machine's npm uses (see `machineUpstream`). */
  readonly upstream?: Upstream;
  /** How long Verdaccio may take to start. Default 60 s (a loaded 2-core machine). */
  readonly startTimeoutMs?: number;
}

/** A Verdaccio on 127.0.0.1 with temporary storage; `stop()` removes everything it stored. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** The upstream it proxies third-party packages to. */
  readonly upstream: Upstream;
  /** An npmrc that points a user project at this registry (what a user of a private registry writes). */
  readonly projectNpmrc: string;
  /** An npmrc that also carries a publish token, for `npm publish --userconfig`. */
  readonly publisherNpmrc: string;
  stop(): Promise<void>;
}

const PROCESS_ENTRY = fileURLToPath(new URL('./verdaccio-process.ts', import.meta.url));

/** Starts a local registry. Call `stop()` when done (in `afterAll`). */
export async function startLocalRegistry(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const upstream = options.upstream ?? (await machineUpstream());
  const dir = await mkdtemp(join(tmpdir(), 'flyte-registry-'));
  const configFile = join(dir, 'config.yaml');
  const config = verdaccioConfig({
    storageDir: join(dir, 'storage'),
    htpasswdFile: join(dir, 'htpasswd'),
    upstream,
    localScopes: options.localScopes ?? ['@org'],
  });
  await writeFile(configFile, JSON.stringify(config, null, 2));

  const child = fork(PROCESS_ENTRY, [configFile], {
    cwd: dir,
    // Not the test runner's loaders or flags: Verdaccio runs as plain Node.
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await waitForUrl(child, options.startTimeoutMs ?? 60_000);
    const token = await addUser(url);
    const authLine = `${url.replace(/^https?:/, '')}:_authToken=${token}`;
    return {
      url,
      upstream,
      projectNpmrc: `registry=${url}\n`,
      publisherNpmrc: `registry=${url}\n${authLine}\n`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The registry this machine's npm installs from and the proxies it goes through, read from npm's effective
 * configuration (user and global npmrc, `npm_config_*` and the usual proxy variables).
 */
export async function machineUpstream(): Promise<Upstream> {
  const { stdout } = await runNpm(['config', 'list', '--json'], { cwd: tmpdir() });
  const config = JSON.parse(stdout) as Record<string, unknown>;
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : undefined;
  const env = process.env;
  const httpsProxy = text(config['https-proxy']) ?? text(env['HTTPS_PROXY']) ?? text(env['https_proxy']);
  const httpProxy = text(config['proxy']) ?? text(env['HTTP_PROXY']) ?? text(env['http_proxy']);
  const noProxyConfig = Array.isArray(config['noproxy'])
    ? (config['noproxy'] as unknown[]).filter((v) => typeof v === 'string' && v !== '').join(',')
    : config['noproxy'];
  const noProxy = text(noProxyConfig) ?? text(env['NO_PROXY']) ?? text(env['no_proxy']);
  return {
    url: text(config['registry']) ?? 'https://registry.npmjs.org/',
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    ...(noProxy === undefined ? {} : { noProxy }),
  };
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Verdaccio did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onMessage = (message: unknown): void => {
      const url = (message as { url?: unknown }).url;
      if (typeof url !== 'string') return;
      cleanup();
      resolve(url);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`Verdaccio exited (${String(code)}) before listening:\n${output}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Registers a throw-away user and returns its token (the npm `adduser` exchange, without a prompt). */
async function addUser(url: string): Promise<string> {
  const name = `publisher-${randomBytes(4).toString('hex')}`;
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: randomBytes(16).toString('hex') }),
  });
  const body = (await response.json()) as { token?: unknown; error?: unknown };
  if (!response.ok || typeof body.token !== 'string') {
    throw new Error(`Could not create a publisher on ${url}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
