import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNpm } from './commands.ts';
import { entryPoints } from './entry-points.ts';
import type { LocalRegistry } from './local-registry.ts';
import { publishablePackages, WORKSPACE_ROOT, type WorkspacePackage } from './workspace-packages.ts';

export interface PublishedPackage {
  readonly name: string;
  readonly version: string;
}

export interface PublishOptions {
  readonly registry: string;
  /** An npmrc to use instead of the user's (carries the local registry's token). */
  readonly userconfig?: string;
  /** dist-tag; npm's default is `latest`. */
  readonly tag?: string;
  /** `npm publish --dry-run`: pack and report, upload nothing. */
  readonly dryRun?: boolean;
}

/** Throws, naming every missing file, unless each package's entry points are built. */
export function assertBuilt(packages: readonly WorkspacePackage[]): void {
  const unbuilt = packages.flatMap((pkg) =>
    entryPoints(pkg.manifest)
      .filter((point) => !existsSync(join(pkg.dir, point.file)))
      .map((point) => `${pkg.manifest.name}: ${point.field} -> ${point.file}`),
  );
  if (unbuilt.length > 0) {
    throw new Error(
      `Build the packages before publishing them (npx nx run-many -t build); missing:\n  ${unbuilt.join('\n  ')}`,
    );
  }
}

/** The packages whose current version the registry does not have yet. */
export async function unpublishedPackages(
  packages: readonly WorkspacePackage[],
  registry: string,
): Promise<WorkspacePackage[]> {
  const missing: WorkspacePackage[] = [];
  for (const pkg of packages) {
    const spec = `${pkg.manifest.name}@${pkg.manifest.version}`;
    try {
      const { stdout } = await runNpm(['view', spec, 'version', `--registry=${registry}`], {
        cwd: WORKSPACE_ROOT,
      });
      if (stdout.trim() === '') missing.push(pkg);
    } catch (error) {
      if (!/E404|404 Not Found/.test(String((error as Error).message))) throw error;
      missing.push(pkg);
    }
  }
  return missing;
}

/** `npm publish` of the given workspace packages, in one npm process. */
export async function npmPublish(
  packages: readonly WorkspacePackage[],
  options: PublishOptions,
): Promise<string> {
  if (packages.length === 0) return '';
  const { stdout, stderr } = await runNpm(
    [
      'publish',
      ...packages.map((pkg) => `--workspace=${pkg.path}`),
      `--registry=${options.registry}`,
      ...(options.userconfig === undefined ? [] : [`--userconfig=${options.userconfig}`]),
      ...(options.tag === undefined ? [] : [`--tag=${options.tag}`]),
      ...(options.dryRun === true ? ['--dry-run'] : []),
    ],
    { cwd: WORKSPACE_ROOT },
  );
  return `${stdout}${stderr}`;
}

/**
 * Publishes the workspace's packages, as built, to a local registry with plain `npm publish` (what a release
 * runs), and returns what was published.
 */
export async function publishWorkspacePackages(
  registry: LocalRegistry,
  packages?: readonly WorkspacePackage[],
): Promise<PublishedPackage[]> {
  const selected = packages ?? (await publishablePackages());
  assertBuilt(selected);
  const configDir = await mkdtemp(join(tmpdir(), 'flyte-publish-'));
  try {
    // The token lives only in this temporary userconfig.
    const userconfig = join(configDir, 'npmrc');
    await writeFile(userconfig, registry.publisherNpmrc);
    await npmPublish(selected, { registry: registry.url, userconfig });
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
  return selected.map((pkg) => ({ name: pkg.manifest.name, version: pkg.manifest.version }));
}
