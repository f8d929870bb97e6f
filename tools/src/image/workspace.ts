import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (this file is tools/src/image/workspace.ts). */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const CORE_PACKAGE = '@org/connector-core';

export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  /** Absolute package directory. */
  readonly dir: string;
  /** Production dependencies (names only): what an image carries for this package. */
  readonly dependencies: readonly string[];
  /** The connector names the package declares in `"flyte.connectors"` (empty for core). */
  readonly connectors: readonly string[];
}

export interface Workspace {
  readonly core: WorkspacePackage;
  /** First-party connector packages, by name. */
  readonly connectors: readonly WorkspacePackage[];
}

interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  'flyte.connectors'?: Record<string, string>;
}

/** Core and the connector packages (those declaring `"flyte.connectors"`) under packages/. */
export async function readWorkspace(root = WORKSPACE_ROOT): Promise<Workspace> {
  const packagesDir = join(root, 'packages');
  const found: WorkspacePackage[] = [];
  for (const entry of await readdir(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(packagesDir, entry.name);
    const manifest = await readManifest(join(dir, 'package.json'));
    if (manifest?.name === undefined || manifest.version === undefined || manifest.private === true) continue;
    found.push({
      name: manifest.name,
      version: manifest.version,
      dir,
      dependencies: Object.keys(manifest.dependencies ?? {}),
      connectors: Object.keys(manifest['flyte.connectors'] ?? {}),
    });
  }
  const core = found.find((p) => p.name === CORE_PACKAGE);
  if (core === undefined) throw new Error(`${CORE_PACKAGE} not found under ${packagesDir}`);
  const connectors = found
    .filter((p) => p.connectors.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
  return { core, connectors };
}

async function readManifest(path: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Manifest;
  } catch {
    return undefined; // a directory that is not (yet) a package
  }
}

/** `bigquery` for `@org/connector-bigquery`: the name users pass to `--connectors`. */
export function shortName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '').replace(/^connector-/, '');
}
