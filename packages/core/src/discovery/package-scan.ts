import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { errorReason, hasErrorCode } from './error-reason.js';
import { CONNECTORS_FIELD, readConnectorManifest, type ConnectorEntry } from './manifest.js';

/** An installed package that declares connector entry modules. */
export interface DiscoveredPackage {
  readonly packageName: string;
  readonly version: string | undefined;
  /** The real path of the package directory (symlinks resolved, as Node resolves modules). */
  readonly packageDir: string;
  readonly entries: readonly ConnectorEntry[];
}

/** A package (or search path) that could not be used, and why. */
export interface DiscoveryProblem {
  readonly source: string;
  readonly reason: string;
}

/**
 * The usable packages, with the problems found on the way attached (`loadConnectors` logs and reports them), so
 * that the result can be passed on as a plain list.
 */
export type DiscoveryResult = DiscoveredPackage[] & { readonly problems: DiscoveryProblem[] };

export interface DiscoveryOptions {
  /** `node_modules` directories, nearest first: a package found in an earlier one shadows copies in later ones. */
  readonly searchPaths: readonly string[];
}

type Candidate =
  | { readonly kind: 'package'; readonly pkg: DiscoveredPackage }
  | { readonly kind: 'problem'; readonly packageDir: string; readonly problem: DiscoveryProblem };

/**
 * Finds the packages declaring `"flyte.connectors"` among the direct and `@scope/*` children of each search path.
 * Only package.json files are read and nested node_modules are not entered, so start-up stays fast on large
 * installations. Nothing is imported here.
 */
export async function discoverConnectorPackages(options: DiscoveryOptions): Promise<DiscoveryResult> {
  const problems: DiscoveryProblem[] = [];
  const listed = await Promise.all(
    options.searchPaths.map((searchPath) =>
      listPackageDirs(searchPath).catch((error: unknown) => {
        problems.push({
          source: `node_modules directory ${searchPath}`,
          reason: `cannot be read: ${errorReason(error)}`,
        });
        return [];
      }),
    ),
  );
  const candidates = await Promise.all(listed.flat().map(readCandidate));

  const packages: DiscoveredPackage[] = [];
  const seenDirs = new Set<string>();
  const dirByName = new Map<string, string>();
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const packageDir = candidate.kind === 'package' ? candidate.pkg.packageDir : candidate.packageDir;
    // The same package reached through two search paths, e.g. a workspace symlink and its target.
    if (seenDirs.has(packageDir)) continue;
    seenDirs.add(packageDir);
    if (candidate.kind === 'problem') {
      problems.push(candidate.problem);
      continue;
    }
    const { pkg } = candidate;
    const first = dirByName.get(pkg.packageName);
    if (first !== undefined) {
      // Loading both copies would register every category twice; Node resolution picks the nearest one too.
      problems.push({
        source: formatPackage(pkg.packageName, pkg.version, packageDir),
        reason: `skipped: another copy of ${pkg.packageName} at ${first} comes first in the search paths`,
      });
      continue;
    }
    dirByName.set(pkg.packageName, packageDir);
    packages.push(pkg);
  }
  return Object.assign(packages, { problems });
}

/** `package @org/x@1.2.3 at /path`: how a package is named in problems. */
export function formatPackage(
  name: string | undefined,
  version: string | undefined,
  packageDir: string,
): string {
  return `package ${name ?? '(unnamed)'}${version === undefined ? '' : `@${version}`} at ${packageDir}`;
}

/** Async so that an unreadable search path ends up in the caller's `.catch` as a rejection. */
async function listPackageDirs(searchPath: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const child of readdirIfExists(searchPath).filter(isPackageLike)) {
    const path = join(searchPath, child.name);
    if (!child.name.startsWith('@')) dirs.push(path);
    else for (const scoped of readdirIfExists(path).filter(isPackageLike)) dirs.push(join(path, scoped.name));
  }
  return dirs;
}

/*
 * Directories and package.json files are read synchronously: discovery runs before the service listens, and a
 * workspace's ~800 package.json files took ~110 ms as promises (open, stat, read and close each a thread-pool
 * round trip) against ~16 ms read one after the other.
 */

function readdirIfExists(dir: string): Dirent[] {
  try {
    const children = readdirSync(dir, { withFileTypes: true });
    return children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT') || hasErrorCode(error, 'ENOTDIR')) return [];
    throw error;
  }
}

/** Directories and symlinks (npm workspaces link packages), except dot entries such as `.bin` and `.cache`. */
function isPackageLike(child: Dirent): boolean {
  return !child.name.startsWith('.') && (child.isDirectory() || child.isSymbolicLink());
}

async function readCandidate(dir: string): Promise<Candidate | undefined> {
  let text: string;
  try {
    text = readFileSync(join(dir, 'package.json'), 'utf8');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT') || hasErrorCode(error, 'ENOTDIR') || hasErrorCode(error, 'EISDIR'))
      return undefined;
    return problemAt(dir, undefined, `its package.json cannot be read: ${errorReason(error)}`);
  }
  // Most packages are not connector packages; skip them without parsing.
  if (!text.includes(`"${CONNECTORS_FIELD}"`)) return undefined;

  let packageDir: string;
  try {
    packageDir = await realpath(dir);
  } catch (error) {
    return problemAt(dir, undefined, `its directory cannot be resolved: ${errorReason(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return problemAt(packageDir, undefined, `its package.json is not valid JSON: ${errorReason(error)}`);
  }
  const manifest = readConnectorManifest(json, packageDir);
  switch (manifest.kind) {
    case 'none':
      return undefined;
    case 'invalid':
      return problemAt(packageDir, manifest.packageName, manifest.reason);
    case 'connectors':
      return { kind: 'package', pkg: { ...manifest.manifest, packageDir } };
  }
}

function problemAt(packageDir: string, name: string | undefined, why: string): Candidate {
  return {
    kind: 'problem',
    packageDir,
    problem: { source: formatPackage(name, undefined, packageDir), reason: why },
  };
}
