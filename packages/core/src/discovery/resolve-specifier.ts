import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorReason, hasErrorCode } from './error-reason.js';
import { nodeModulesChain } from './search-paths.js';

/** The conditions `import()` matches in Node 22 (where `require(esm)` is on by default). */
const importConditions: ReadonlySet<string> = new Set(['node', 'import', 'module-sync', 'default']);

/**
 * The absolute file a `--modules` value names: a path (absolute, `./x.js`, `../x.js`, `file:` URL) relative to
 * `cwd`, or a bare specifier resolved from `cwd` the way `import()` would from a module there, i.e. through the
 * package's `exports` with import conditions (so ESM-only packages work, which `require.resolve` cannot do).
 * Node offers no flag-free API to resolve from an arbitrary parent, hence this implementation of the package part
 * of the ESM resolution algorithm. Throws with a reason when nothing matches.
 */
export function resolveModuleSpecifier(specifier: string, cwd: string): string {
  if (specifier === '') throw new Error('the module specifier is empty');
  if (specifier.startsWith('file:')) return fileURLToPath(specifier);
  if (isPathLike(specifier)) return resolve(cwd, specifier);
  return resolveBare(specifier, resolve(cwd));
}

function isPathLike(specifier: string): boolean {
  return isAbsolute(specifier) || specifier === '.' || specifier === '..' || /^\.\.?[\\/]/.test(specifier);
}

function resolveBare(specifier: string, cwd: string): string {
  const { packageName, subpath } = parseBare(specifier);
  const selfScope = findSelfScope(cwd, packageName);
  if (selfScope !== undefined) return resolveInPackage(selfScope.dir, selfScope.json, subpath, specifier);

  for (const nodeModules of nodeModulesChain(cwd)) {
    const packageDir = join(nodeModules, packageName);
    const json = readPackageJson(packageDir);
    if (json !== undefined) return resolveInPackage(packageDir, json, subpath, specifier);
  }
  const hint = /\.[cm]?[jt]s$/.test(specifier) ? ` (to load a file, write ./${specifier})` : '';
  throw new Error(
    `cannot find package '${packageName}' in the node_modules directories of ${cwd} or its parents${hint}`,
  );
}

function parseBare(specifier: string): { packageName: string; subpath: string } {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const packageName = parts.slice(0, nameLength).join('/');
  if (
    parts.length < nameLength ||
    parts.slice(0, nameLength).some((part) => part === '') ||
    packageName.includes('\\')
  ) {
    throw new Error(`'${specifier}' is neither a path (start it with ./ or /) nor a valid package specifier`);
  }
  const rest = parts.slice(nameLength).join('/');
  return { packageName, subpath: rest === '' ? '.' : `./${rest}` };
}

/** Node lets a package import itself by name (through its `exports`): handy when serving from its own directory. */
function findSelfScope(
  cwd: string,
  packageName: string,
): { dir: string; json: Record<string, unknown> } | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const json = readPackageJson(dir);
    if (json !== undefined) {
      return json['name'] === packageName && json['exports'] !== undefined && json['exports'] !== null
        ? { dir, json }
        : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function readPackageJson(dir: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'package.json'), 'utf8');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT') || hasErrorCode(error, 'ENOTDIR')) return undefined;
    throw new Error(`cannot read ${join(dir, 'package.json')}: ${errorReason(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${join(dir, 'package.json')} is not valid JSON: ${errorReason(error)}`, {
      cause: error,
    });
  }
  if (!isObject(json)) throw new Error(`${join(dir, 'package.json')} is not a JSON object`);
  return json;
}

function resolveInPackage(
  packageDir: string,
  json: Record<string, unknown>,
  subpath: string,
  specifier: string,
): string {
  const exportsField = json['exports'];
  if (exportsField !== undefined && exportsField !== null) {
    const target = resolveExports(packageDir, exportsField, subpath);
    if (target === undefined) {
      throw new Error(
        `package '${String(json['name'])}' at ${packageDir} does not export '${subpath}' for import ` +
          `(see "exports" in its package.json)`,
      );
    }
    return target;
  }
  if (subpath !== '.') return join(packageDir, subpath);
  return (
    legacyMain(packageDir, json['main']) ??
    fail(`package at ${packageDir} has no "exports", "main" or index.js (${specifier})`)
  );
}

function resolveExports(packageDir: string, exportsField: unknown, subpath: string): string | undefined {
  const map = exportsMap(exportsField);
  const exact = map.get(subpath);
  if (exact !== undefined && !subpath.includes('*')) return resolveTarget(packageDir, exact, undefined);

  let best: { key: string; match: string } | undefined;
  for (const key of map.keys()) {
    const star = key.indexOf('*');
    if (star === -1 || key.indexOf('*', star + 1) !== -1) continue;
    const base = key.slice(0, star);
    const trailer = key.slice(star + 1);
    if (subpath.length < key.length || !subpath.startsWith(base) || !subpath.endsWith(trailer)) continue;
    if (best === undefined || comparePatternKeys(key, best.key) < 0) {
      best = { key, match: subpath.slice(base.length, subpath.length - trailer.length) };
    }
  }
  return best === undefined ? undefined : resolveTarget(packageDir, map.get(best.key), best.match);
}

/** `exports` as subpath keys: a string, an array or a conditions object is the sugar for `{ ".": ... }`. */
function exportsMap(exportsField: unknown): Map<string, unknown> {
  if (!isObject(exportsField)) return new Map([['.', exportsField]]);
  const keys = Object.keys(exportsField);
  const dotted = keys.filter((key) => key.startsWith('.'));
  if (dotted.length === 0) return new Map([['.', exportsField]]);
  if (dotted.length !== keys.length) {
    throw new Error('its "exports" mixes subpath keys (starting with ".") and condition keys');
  }
  return new Map(Object.entries(exportsField));
}

/** The ESM algorithm's PATTERN_KEY_COMPARE: the longer prefix before `*`, then the longer key, wins. */
function comparePatternKeys(a: string, b: string): number {
  const baseA = a.indexOf('*');
  const baseB = b.indexOf('*');
  if (baseA !== baseB) return baseB - baseA;
  return b.length - a.length;
}

function resolveTarget(
  packageDir: string,
  target: unknown,
  patternMatch: string | undefined,
): string | undefined {
  if (typeof target === 'string') {
    if (!target.startsWith('./')) return undefined;
    const path = resolve(
      packageDir,
      patternMatch === undefined ? target : target.replaceAll('*', patternMatch),
    );
    const inside = relative(packageDir, path);
    return inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside) ? undefined : path;
  }
  if (Array.isArray(target)) {
    for (const fallback of target as unknown[]) {
      const resolved = resolveTarget(packageDir, fallback, patternMatch);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  if (isObject(target)) {
    for (const [condition, value] of Object.entries(target)) {
      if (!importConditions.has(condition)) continue;
      const resolved = resolveTarget(packageDir, value, patternMatch);
      if (resolved !== undefined) return resolved;
    }
  }
  // null excludes the subpath; anything else is not a valid target.
  return undefined;
}

/** What `import()` does for a package without `exports`: its `main` (with CommonJS-style guesses), else index.js. */
function legacyMain(packageDir: string, main: unknown): string | undefined {
  const guesses =
    typeof main === 'string' && main !== ''
      ? [
          main,
          `${main}.js`,
          `${main}.json`,
          `${main}.node`,
          `${main}/index.js`,
          `${main}/index.json`,
          `${main}/index.node`,
        ]
      : [];
  guesses.push('index.js', 'index.json', 'index.node');
  return guesses.map((guess) => resolve(packageDir, guess)).find(isFile);
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new Error(message);
}
