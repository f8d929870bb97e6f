import { shortName, type Workspace } from './workspace.ts';

/** One npm package to put in the image; `version` (an exact version, range or dist-tag) only from a registry. */
export interface PackageRequest {
  readonly name: string;
  readonly version?: string;
}

/**
 * Turns `--connectors` into packages: `all`, or a comma-separated list of first-party short names (`bigquery`) or
 * package names, each optionally `@version` when installing from a registry. From a registry, a name that is not
 * a first-party connector is taken as a third-party connector package.
 */
export function selectConnectors(
  value: string,
  workspace: Workspace,
  { fromRegistry }: { fromRegistry: boolean },
): PackageRequest[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const known = workspace.connectors.map((p) => shortName(p.name)).join(', ');
  if (items.length === 0) throw new Error(`--connectors is empty; choose from: ${known} (or all)`);
  if (items.includes('all')) {
    if (items.length > 1) throw new Error('--connectors all cannot be combined with other names');
    return workspace.connectors.map((p) => ({ name: p.name }));
  }
  const requests = items.map((item): PackageRequest => {
    const { name, version } = splitSpec(item);
    if (version !== undefined && !fromRegistry) {
      throw new Error(`${item}: a version applies only with --from-registry (the workspace has one version)`);
    }
    const firstParty = workspace.connectors.find((p) => p.name === name || shortName(p.name) === name);
    if (firstParty === undefined && !(fromRegistry && name.includes('/'))) {
      throw new Error(
        `unknown connector "${name}"; choose from: ${known} (or all)` +
          (fromRegistry ? ', or give a scoped package name of a third-party connector' : ''),
      );
    }
    return { name: firstParty?.name ?? name, ...(version === undefined ? {} : { version }) };
  });
  const names = requests.map((r) => r.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw new Error(`--connectors names ${repeated} twice`);
  return requests;
}

/** `openai@1.2.0` → name and version; `@org/connector-openai@^1` too (the scope's `@` is not a separator). */
export function splitSpec(spec: string): { name: string; version?: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return { name: spec };
  const version = spec.slice(at + 1);
  if (version === '') throw new Error(`${spec}: empty version after @`);
  return { name: spec.slice(0, at), version };
}
