import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The package.json field a connector package declares its entry modules in (Python: the entry-point group). */
export const CONNECTORS_FIELD = 'flyte.connectors';

/** One `"flyte.connectors"` entry: a name and the absolute path of the module it points to. */
export interface ConnectorEntry {
  readonly name: string;
  readonly modulePath: string;
}

export interface ConnectorManifest {
  readonly packageName: string;
  /** Undefined when package.json has no version (private workspace packages may omit it). */
  readonly version: string | undefined;
  readonly entries: readonly ConnectorEntry[];
}

export type ManifestResult =
  | { readonly kind: 'connectors'; readonly manifest: ConnectorManifest }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly packageName: string | undefined; readonly reason: string };

/**
 * Reads the connector declaration of one parsed package.json. A package without the field is `none`; any mistake
 * in the field is `invalid` with a reason precise enough to fix the package without reading this code.
 */
export function readConnectorManifest(packageJson: unknown, packageDir: string): ManifestResult {
  if (!isPlainObject(packageJson))
    return { kind: 'invalid', packageName: undefined, reason: 'package.json is not a JSON object' };
  const field = packageJson[CONNECTORS_FIELD];
  if (field === undefined) return { kind: 'none' };

  const name = packageJson['name'];
  const invalid = (reason: string): ManifestResult => ({
    kind: 'invalid',
    packageName: typeof name === 'string' ? name : undefined,
    reason,
  });
  if (typeof name !== 'string' || name === '') return invalid('package.json has no "name"');
  const rawVersion = packageJson['version'];
  if (rawVersion !== undefined && typeof rawVersion !== 'string') return invalid('"version" is not a string');
  const version = typeof rawVersion === 'string' ? rawVersion : undefined;

  if (!isPlainObject(field)) {
    return invalid(
      `"${CONNECTORS_FIELD}" must be an object mapping entry names to module paths ` +
        `(e.g. { "main": "./dist/plugin.js" }), got ${describe(field)}`,
    );
  }
  const names = Object.keys(field);
  if (names.length === 0) return invalid(`"${CONNECTORS_FIELD}" declares no entries`);

  const entries: ConnectorEntry[] = [];
  for (const entryName of names) {
    const target = field[entryName];
    const problem = checkEntry(entryName, target, packageDir);
    if (problem !== undefined) return invalid(`"${CONNECTORS_FIELD}" entry '${entryName}' ${problem}`);
    entries.push({ name: entryName, modulePath: resolve(packageDir, target as string) });
  }
  return { kind: 'connectors', manifest: { packageName: name, version, entries } };
}

function checkEntry(entryName: string, target: unknown, packageDir: string): string | undefined {
  if (entryName.trim() === '') return 'has an empty name';
  if (typeof target !== 'string') return `must be a module path string, got ${describe(target)}`;
  // The same rule as `exports` targets: explicit, package-relative and unable to reach other packages.
  if (!target.startsWith('./')) {
    return `must be a path relative to the package starting with './' (e.g. "./dist/plugin.js"), got "${target}"`;
  }
  const fromPackage = relative(packageDir, resolve(packageDir, target));
  if (fromPackage === '') return `must name a module file, got the package directory "${target}"`;
  if (fromPackage === '..' || fromPackage.startsWith(`..${sep}`) || isAbsolute(fromPackage)) {
    return `points outside the package: "${target}"`;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${value}"`;
  return `a ${typeof value}`;
}
