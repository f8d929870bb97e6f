import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The `node_modules` directories to scan for connector packages, nearest first: those Node would search from
 * `cwd` (its own and every ancestor's), then the installation core itself lives in, so that connector packages
 * installed next to a global or image-level core are found from any working directory. Only existing directories
 * are returned, each once.
 */
export function defaultSearchPaths(cwd: string, coreDir?: string): string[] {
  const candidates = nodeModulesChain(resolve(cwd));
  if (coreDir !== undefined) {
    const containing = containingNodeModules(resolve(coreDir));
    // Core outside any node_modules (a workspace checkout): its dependencies resolve from its own chain.
    candidates.push(...(containing === undefined ? nodeModulesChain(resolve(coreDir)) : [containing]));
  }
  return [...new Set(candidates)].filter(isDirectory);
}

/** `<dir>/node_modules` for `dir` and each ancestor, skipping `node_modules/node_modules` as Node does. */
export function nodeModulesChain(start: string): string[] {
  const paths: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') paths.push(join(dir, 'node_modules'));
    if (dirname(dir) === dir) return paths;
  }
}

function containingNodeModules(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (basename(dir) === 'node_modules') return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    // ENOTDIR, EACCES: not a directory we could scan either.
    return false;
  }
}
