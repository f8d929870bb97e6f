// A throwaway copy of the workspace for generator tests: the root configuration, core (sources and its built
// dist, timestamps kept so that `tsc -b` sees it up to date) and a node_modules whose entries link to the real
// ones — except `@org/`, which holds links to the copy's own packages, as npm's workspace links do.
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.base.json',
  'nx.json',
  'eslint.config.js',
  '.prettierrc.json',
  'LICENSE',
];
const CORE_ENTRIES = [
  'package.json',
  'tsconfig.json',
  'tsconfig.lib.json',
  'README.md',
  'LICENSE',
  'src',
  'dist',
];

export interface WorkspaceCopy {
  readonly root: string;
  remove(): Promise<void>;
}

export async function copyWorkspace(source: string): Promise<WorkspaceCopy> {
  const root = await mkdtemp(join(tmpdir(), 'flyte-new-connector-'));
  for (const file of ROOT_FILES) await cp(join(source, file), join(root, file), { preserveTimestamps: true });
  for (const entry of CORE_ENTRIES) {
    await cp(join(source, 'packages/core', entry), join(root, 'packages/core', entry), {
      recursive: true,
      preserveTimestamps: true,
    });
  }
  const modules = join(root, 'node_modules');
  await mkdir(join(modules, '@org'), { recursive: true });
  for (const entry of await readdir(join(source, 'node_modules'))) {
    if (entry === '@org') continue;
    await symlink(join(source, 'node_modules', entry), join(modules, entry));
  }
  await symlink('../../packages/core', join(modules, '@org', 'connector-core'), 'dir');
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
