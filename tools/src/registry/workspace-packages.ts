import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (this file is tools/src/registry/workspace-packages.ts). */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The package.json fields the packaging checks and the publisher read. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly types?: string;
  readonly main?: string;
  readonly exports?: unknown;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly files?: readonly string[];
  readonly engines?: Readonly<Record<string, string>>;
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly publishConfig?: Readonly<Record<string, unknown>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly 'flyte.connectors'?: Readonly<Record<string, string>>;
}

export interface WorkspacePackage {
  /** Absolute directory. */
  readonly dir: string;
  /** Directory relative to the workspace root, with forward slashes (`packages/core`). */
  readonly path: string;
  readonly manifest: PackageManifest;
}

/**
 * The packages this workspace publishes: every non-private package under packages/, core first (the others
 * depend on it), then by name.
 */
export async function publishablePackages(root = WORKSPACE_ROOT): Promise<WorkspacePackage[]> {
  const packagesDir = join(root, 'packages');
  const found: WorkspacePackage[] = [];
  for (const entry of await readdir(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(packagesDir, entry.name);
    let text: string;
    try {
      text = await readFile(join(dir, 'package.json'), 'utf8');
    } catch {
      continue; // a directory that is not (yet) a package
    }
    const manifest = JSON.parse(text) as PackageManifest;
    if (manifest.private === true) continue;
    found.push({ dir, path: relative(root, dir).split('\\').join('/'), manifest });
  }
  const isCore = (p: WorkspacePackage): number => (p.manifest['flyte.connectors'] === undefined ? 0 : 1);
  return found.sort((a, b) => isCore(a) - isCore(b) || a.manifest.name.localeCompare(b.manifest.name));
}
