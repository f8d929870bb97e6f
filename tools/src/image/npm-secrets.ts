import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A file handed to the build as `--secret id=ID,src=PATH`: mounted for one RUN, never stored in a layer. */
export interface BuildSecret {
  readonly id: string;
  readonly path: string;
}

interface NpmConfig {
  readonly registry?: string;
  readonly cafile?: string | null;
  readonly proxy?: string | null;
  readonly 'https-proxy'?: string | null;
  readonly noproxy?: string | readonly string[] | null;
  readonly userconfig?: string;
  readonly globalconfig?: string;
}

/** The host's effective npm configuration, as npm itself resolves it (files, env, defaults). */
export async function readNpmConfig(cwd: string): Promise<NpmConfig> {
  const { stdout } = await run('npm', ['config', 'list', '--json'], { cwd, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as NpmConfig;
}

/**
 * Writes what npm inside the build needs to reach the registry the way the host does, as two build secrets:
 * `npmrc` (registry URL, proxies, and the registry credentials lines from the host's .npmrc files with their
 * `${ENV}` references resolved here) and `npm-ca` (the CA certificates the host trusts beyond Node's own:
 * npm's `cafile` and `NODE_EXTRA_CA_CERTS`). Host file paths (a cafile setting) mean nothing inside the build,
 * which is why the file is composed rather than copied.
 */
export async function writeNpmSecrets(options: {
  readonly dir: string;
  readonly cwd: string;
  readonly registry?: string;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<{ secrets: BuildSecret[]; registry: string }> {
  const env = options.env ?? process.env;
  const config = await readNpmConfig(options.cwd);
  const registry = options.registry ?? config.registry ?? 'https://registry.npmjs.org/';
  const lines = [`registry=${registry}`];
  if (config.proxy) lines.push(`proxy=${config.proxy}`);
  if (config['https-proxy']) lines.push(`https-proxy=${config['https-proxy']}`);
  const noproxy = [config.noproxy ?? []].flat().filter((host) => host !== '');
  if (noproxy.length > 0) lines.push(`noproxy=${noproxy.join(',')}`);
  const rcFiles = [config.globalconfig, config.userconfig, join(options.cwd, '.npmrc')];
  for (const file of rcFiles)
    if (file !== undefined) lines.push(...credentialLines(await readText(file), env));

  const secrets: BuildSecret[] = [{ id: 'npmrc', path: join(options.dir, 'npmrc') }];
  await writeFile(secrets[0]!.path, `${lines.join('\n')}\n`, { mode: 0o600 });

  const caFiles = [config.cafile, env['NODE_EXTRA_CA_CERTS']].filter((f): f is string => Boolean(f));
  const certificates = (await Promise.all(caFiles.map(readText))).filter((text) => text !== '');
  if (certificates.length > 0) {
    const path = join(options.dir, 'npm-ca.pem');
    await writeFile(path, certificates.join('\n'), { mode: 0o600 });
    secrets.push({ id: 'npm-ca', path });
  }
  return { secrets, registry };
}

/**
 * The lines of an .npmrc that authenticate or route scopes: the settings npm keys by registry
 * (`//host/path/:_authToken=...`, `:_auth`, `:username`, `:_password`, `:email`, `:always-auth`) and
 * `@scope:registry=...`. Host file paths (`:certfile`, `:keyfile`) are left out: they mean nothing in the build.
 */
export function credentialLines(npmrc: string, env: NodeJS.ProcessEnv): string[] {
  return npmrc
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(
      (line) =>
        /^\/\/[^=]+:(_authToken|_auth|username|_password|email|always-auth)\s*=/.test(line) ||
        /^@[^:=]+:registry\s*=/.test(line),
    )
    .map((line) => line.replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? ''));
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}
