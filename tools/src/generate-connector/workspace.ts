// The workspace wiring a new package needs beyond its own directory.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { CoreInfo } from './names.ts';

/** Name and version of core, read from packages/core/package.json. */
export async function readCoreInfo(root: string): Promise<CoreInfo> {
  const manifest = JSON.parse(await readFile(join(root, 'packages/core/package.json'), 'utf8')) as {
    name?: unknown;
    version?: unknown;
  };
  if (typeof manifest.name !== 'string' || typeof manifest.version !== 'string') {
    throw new Error(`${root}/packages/core/package.json has no name or version: is this the workspace root?`);
  }
  return { packageName: manifest.name, version: manifest.version };
}

/** Adds `packages/<dir>/tsconfig.lib.json` to the root tsconfig.json's references (for `tsc -b` of everything). */
export async function addTypeScriptReference(root: string, dirName: string): Promise<void> {
  const file = join(root, 'tsconfig.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as { references?: { path: string }[] };
  const path = `packages/${dirName}/tsconfig.lib.json`;
  const references = config.references ?? [];
  if (references.some((reference) => reference.path === path)) return;
  config.references = [...references, { path }];
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Links `node_modules/<package>` to the new package as npm links a workspace, so that it resolves (and
 * `flyte-connect list` discovers it) before anyone runs `npm install`.
 */
export async function linkWorkspacePackage(
  root: string,
  packageName: string,
  packageDir: string,
): Promise<void> {
  const link = join(root, 'node_modules', ...packageName.split('/'));
  await mkdir(dirname(link), { recursive: true });
  await symlink(relative(dirname(link), packageDir), link, 'dir').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

/** `npm install`, which records the new workspace in package-lock.json (CI's `npm ci` needs it there). */
export function npmInstall(root: string): void {
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `npm install failed (exit ${result.status ?? result.signal}); run it yourself to update package-lock.json`,
    );
  }
}
