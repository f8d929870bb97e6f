import { builtinModules } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { init, parse } from 'es-module-lexer';
import semver from 'semver';
import { runNpm } from './commands.ts';
import { entryPoints, typesNotFirst } from './entry-points.ts';
import type { WorkspacePackage } from './workspace-packages.ts';

/** What `npm pack` would put in the tarball. */
export interface PackedPackage {
  readonly files: readonly string[];
  /** Tarball size in bytes. */
  readonly size: number;
  readonly unpackedSize: number;
}

/** Runs `npm pack --dry-run --json` in the package directory. */
export async function packPreview(dir: string): Promise<PackedPackage> {
  const { stdout } = await runNpm(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir });
  const [result] = JSON.parse(stdout) as {
    files: { path: string }[];
    size: number;
    unpackedSize: number;
  }[];
  if (result === undefined) throw new Error(`npm pack --dry-run printed no package in ${dir}`);
  return {
    files: result.files.map((f) => f.path).sort(),
    size: result.size,
    unpackedSize: result.unpackedSize,
  };
}

const REQUIRED_FILES = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'];

/**
 * Files no consumer needs: tests, fixtures, benchmarks, demos, TypeScript sources and build state, and source
 * maps (they point at src/, which is not published).
 */
const DEVELOPMENT_ONLY: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern: /(^|\/)(test|tests|__tests__|fixtures|bench|demo|coverage)\//,
    why: 'test/bench/demo directory',
  },
  { pattern: /\.(test|spec)\.[cm]?[jt]sx?$/, why: 'test file' },
  { pattern: /\.(test|spec)\.d\.[cm]?ts$/, why: 'test declarations' },
  { pattern: /^src\//, why: 'source directory' },
  { pattern: /(?<!\.d)\.[cm]?ts$/, why: 'TypeScript source' },
  { pattern: /\.tsbuildinfo$/, why: 'TypeScript build state' },
  { pattern: /\.map$/, why: 'source map of unpublished sources' },
  {
    pattern: /(^|\/)(tsconfig[^/]*\.json|vitest\.config\.[cm]?[jt]s|eslint\.config\.[cm]?js)$/,
    why: 'tool config',
  },
  { pattern: /(^|\/)\.[^/]+$/, why: 'dotfile' },
];

export interface PackagingContext {
  /** The package's tarball preview. */
  readonly packed: PackedPackage;
  /** Name and version of the core package every connector must declare as a peer. */
  readonly core: { readonly name: string; readonly version: string };
}

/** Everything wrong with how a package would be published; empty when it is fit to publish. */
export async function packagingProblems(pkg: WorkspacePackage, context: PackagingContext): Promise<string[]> {
  const { manifest } = pkg;
  const files = new Set(context.packed.files);
  const problems: string[] = [];

  for (const file of REQUIRED_FILES) if (!files.has(file)) problems.push(`${file} is not packed`);
  for (const file of context.packed.files) {
    const match = DEVELOPMENT_ONLY.find(({ pattern }) => pattern.test(file));
    if (match !== undefined) problems.push(`${file} is packed (${match.why})`);
  }

  if (manifest.exports === undefined) problems.push('no "exports" map');
  if (manifest.types === undefined) problems.push('no "types" field');
  problems.push(...typesNotFirst(manifest.exports));
  for (const point of entryPoints(manifest)) {
    if (!files.has(point.file)) problems.push(`${point.field} points at ${point.file}, which is not packed`);
  }
  for (const [name, target] of Object.entries(typeof manifest.bin === 'object' ? manifest.bin : {})) {
    const firstLine = (await readFile(join(pkg.dir, target), 'utf8').catch(() => '')).split('\n', 1)[0];
    if (firstLine !== '#!/usr/bin/env node')
      problems.push(`bin ${name} does not start with #!/usr/bin/env node`);
  }

  if (manifest.engines?.['node'] === undefined) problems.push('no engines.node');
  if (manifest.license === undefined) problems.push('no license');
  if (manifest.repository?.directory !== pkg.path) {
    problems.push(`repository.directory is ${String(manifest.repository?.directory)}, expected ${pkg.path}`);
  }
  if (manifest.name.startsWith('@') && manifest.publishConfig?.['access'] !== 'public') {
    problems.push(
      'a scoped package needs publishConfig.access "public" (npm publishes scoped packages private)',
    );
  }

  if (manifest['flyte.connectors'] !== undefined) problems.push(...corePeerProblems(pkg, context.core));
  problems.push(...(await missingImports(pkg, context.packed.files)));
  return problems;
}

/** A connector must share the host's core (one registry, one set of brands): a peer dependency, never its own. */
function corePeerProblems(pkg: WorkspacePackage, core: PackagingContext['core']): string[] {
  const { manifest } = pkg;
  const range = manifest.peerDependencies?.[core.name];
  const problems: string[] = [];
  if (range === undefined) problems.push(`no peer dependency on ${core.name}`);
  else if (!semver.satisfies(core.version, range)) {
    problems.push(`peer range ${core.name}@${range} excludes the workspace's ${core.version}`);
  }
  if (manifest.dependencies?.[core.name] !== undefined) {
    problems.push(`${core.name} is a dependency (each connector would carry its own core); make it a peer`);
  }
  return problems;
}

const BUILTINS = new Set(builtinModules);

/**
 * What the published JavaScript imports but the tarball would not provide: packages its manifest does not declare,
 * and the package's own files that are not packed (a bundle chunk importing a compiled module left out of `files`).
 */
async function missingImports(pkg: WorkspacePackage, files: readonly string[]): Promise<string[]> {
  await init;
  const { manifest } = pkg;
  const packed = new Set(files);
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const problems = new Map<string, string>();
  for (const file of files.filter((f) => /\.[cm]?js$/.test(f))) {
    const source = await readFile(join(pkg.dir, file), 'utf8');
    const [imports] = parse(source, file);
    for (const { n: specifier } of imports) {
      if (specifier === undefined || specifier.startsWith('/')) continue;
      if (specifier.startsWith('.')) {
        const target = posix.join(posix.dirname(file), specifier);
        if (!packed.has(target))
          problems.set(`${file} ${target}`, `${file} imports ${target}, which is not packed`);
        continue;
      }
      if (specifier.startsWith('node:') || BUILTINS.has(specifier)) continue;
      const name = packageName(specifier);
      if (!declared.has(name) && !problems.has(name)) {
        problems.set(name, `${file} imports ${name}, which is not in dependencies or peerDependencies`);
      }
    }
  }
  return [...problems.values()];
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
