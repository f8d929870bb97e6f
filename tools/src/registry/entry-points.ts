import type { PackageManifest } from './workspace-packages.ts';

/** A file a package.json field promises to consumers. */
export interface EntryPoint {
  /** Where it is declared: `exports["./testing"].types`, `bin.flyte-connect`, `flyte.connectors.bigquery`... */
  readonly field: string;
  /** Path relative to the package root, without a leading `./`. */
  readonly file: string;
}

/** Every file `exports`, `types`, `main`, `bin` and `"flyte.connectors"` point at. */
export function entryPoints(manifest: PackageManifest): EntryPoint[] {
  const points: EntryPoint[] = [];
  const add = (field: string, target: string): void => {
    points.push({ field, file: target.replace(/^\.\//, '') });
  };
  collectExportTargets('exports', manifest.exports, add);
  if (manifest.types !== undefined) add('types', manifest.types);
  if (manifest.main !== undefined) add('main', manifest.main);
  if (typeof manifest.bin === 'string') add('bin', manifest.bin);
  else for (const [name, target] of Object.entries(manifest.bin ?? {})) add(`bin.${name}`, target);
  for (const [name, target] of Object.entries(manifest['flyte.connectors'] ?? {})) {
    add(`flyte.connectors.${name}`, target);
  }
  return points;
}

function collectExportTargets(
  field: string,
  value: unknown,
  add: (field: string, target: string) => void,
): void {
  if (typeof value === 'string') add(field, value);
  else if (Array.isArray(value))
    value.forEach((item, i) => collectExportTargets(`${field}[${i}]`, item, add));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, target] of Object.entries(value)) {
      collectExportTargets(childField(field, key), target, add);
    }
  }
}

/**
 * Conditional export objects whose first condition is not `types`. TypeScript picks the first matching
 * condition, so a `types` listed after `default` or `import` is never seen.
 */
export function typesNotFirst(exportsField: unknown, field = 'exports'): string[] {
  if (typeof exportsField !== 'object' || exportsField === null || Array.isArray(exportsField)) return [];
  const keys = Object.keys(exportsField);
  const isConditions = keys.length > 0 && keys.every((key) => !key.startsWith('.'));
  const problems: string[] = [];
  if (isConditions && keys.includes('types') && keys[0] !== 'types') {
    problems.push(`${field}: "types" must be the first condition (found ${keys.join(', ')})`);
  }
  if (isConditions && !keys.includes('types')) {
    // Conditions without any `types` leave TypeScript users with no declarations for this entry.
    problems.push(`${field}: conditions ${keys.join(', ')} without a "types" condition`);
  }
  for (const [key, value] of Object.entries(exportsField)) {
    problems.push(...typesNotFirst(value, childField(field, key)));
  }
  return problems;
}

/** `exports["./testing"]` for a subpath, `exports["./testing"].types` for a condition. */
function childField(field: string, key: string): string {
  return key.startsWith('.') ? `${field}[${JSON.stringify(key)}]` : `${field}.${key}`;
}
