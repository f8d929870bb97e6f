import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PackageRequest } from './selection.ts';
import { WORKSPACE_ROOT, type Workspace, type WorkspacePackage } from './workspace.ts';

const run = promisify(execFile);

/** A package as installed in the image, at the version the lockfile resolved. */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
}

export interface ImageContents {
  readonly core: InstalledPackage;
  readonly connectors: readonly InstalledPackage[];
}

export type PackageSource =
  | { readonly kind: 'workspace' }
  /** `version` applies to every package without its own; unset means each package's workspace version. */
  | {
      readonly kind: 'registry';
      readonly registry: string;
      readonly version?: string;
      readonly coreVersion?: string;
    };

/**
 * Fills `dir` with the build context images/Containerfile expects: a package.json depending on core and the
 * chosen connectors, a package-lock.json, and tarballs/ (`npm pack` of the workspace packages, or empty).
 *
 * The lockfile is resolved here, seeded with the workspace's lockfile, so every dependency the workspace
 * already pins keeps the version its tests ran with; the build installs from it.
 */
export async function prepareBuildContext(options: {
  readonly dir: string;
  readonly workspace: Workspace;
  readonly connectors: readonly PackageRequest[];
  readonly source: PackageSource;
}): Promise<ImageContents> {
  const { dir, workspace, source } = options;
  const tarballs = join(dir, 'tarballs');
  await mkdir(tarballs, { recursive: true });
  const wanted = [workspace.core.name, ...options.connectors.map((c) => c.name)];

  let dependencies: Record<string, string>;
  if (source.kind === 'workspace') {
    const packages = wanted.map((name) => workspacePackage(workspace, name));
    const files = await packWorkspacePackages(packages, tarballs);
    dependencies = Object.fromEntries(packages.map((p, i) => [p.name, `file:tarballs/${files[i]}`]));
  } else {
    const versionOf = (request: PackageRequest): string =>
      request.version ??
      (request.name === workspace.core.name ? source.coreVersion : undefined) ??
      source.version ??
      [workspace.core, ...workspace.connectors].find((p) => p.name === request.name)?.version ??
      'latest';
    const requests = [{ name: workspace.core.name }, ...options.connectors];
    dependencies = Object.fromEntries(requests.map((r) => [r.name, versionOf(r)]));
  }

  const manifest = { name: 'flyte-connector-image', version: '0.0.0', private: true, dependencies };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeSeedLockfile(join(WORKSPACE_ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  await run(
    'npm',
    [
      'install',
      '--package-lock-only',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...(source.kind === 'registry' ? ['--registry', source.registry] : []),
    ],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  );

  const locked = await lockedVersions(join(dir, 'package-lock.json'));
  const installed = (name: string): InstalledPackage => {
    const version = locked.get(name);
    if (version === undefined) throw new Error(`${name} is missing from the resolved lockfile`);
    return { name, version };
  };
  return {
    core: installed(workspace.core.name),
    connectors: options.connectors.map((c) => installed(c.name)),
  };
}

function workspacePackage(workspace: Workspace, name: string): WorkspacePackage {
  const found = [workspace.core, ...workspace.connectors].find((p) => p.name === name);
  if (found === undefined) throw new Error(`${name} is not a workspace package`);
  return found;
}

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** `npm pack` each package into `destination`; returns the tarball file names, in order. */
async function packWorkspacePackages(
  packages: readonly WorkspacePackage[],
  destination: string,
): Promise<string[]> {
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--pack-destination', destination, ...packages.flatMap((p) => ['--workspace', p.dir])],
    { cwd: WORKSPACE_ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const results = JSON.parse(stdout) as PackResult[];
  return packages.map((p) => {
    const result = results.find((r) => r.name === p.name);
    if (result === undefined) throw new Error(`npm pack produced no tarball for ${p.name}`);
    // A package packed before it was built would install without its code.
    if (!result.files.some((f) => f.path.startsWith('dist/'))) {
      throw new Error(`${p.name} packed without dist/: build it first (npm run build), or drop --no-build`);
    }
    return result.filename;
  });
}

/**
 * The workspace lockfile without what only makes sense in the workspace: its root entry and the workspace
 * packages, which it records as links to packages/* (npm would keep such a link for a registry version and
 * never fetch the package). What remains are the registry packages, at the versions the workspace pins.
 */
async function writeSeedLockfile(workspaceLockfile: string, target: string): Promise<void> {
  const lock = JSON.parse(await readFile(workspaceLockfile, 'utf8')) as {
    packages: Record<string, { link?: boolean }>;
  };
  const packages = Object.fromEntries(
    Object.entries(lock.packages).filter(
      ([path, entry]) => path.startsWith('node_modules/') && entry.link !== true,
    ),
  );
  await writeFile(target, `${JSON.stringify({ ...lock, packages }, null, 2)}\n`);
}

async function lockedVersions(lockfile: string): Promise<Map<string, string>> {
  const lock = JSON.parse(await readFile(lockfile, 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const versions = new Map<string, string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path)?.[1];
    if (name !== undefined && entry.version !== undefined) versions.set(name, entry.version);
  }
  return versions;
}
