// Why packages ship bundles: Node's ESM loader resolves every module on its own (URL parsing, a package scope
// lookup, a stat), under a millisecond per module at start-up on the benchmark machine, but core alone is ~130
// compiled modules and the connectors ~60 more: bundled, `flyte-connect serve` reached SERVING 60-90 ms sooner.
// Dependencies are not bundled: they stay installed packages, deduplicated, audited and licensed by npm.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { rolldown } from 'rolldown';

/** Where tsc writes the compiled modules, relative to the package; the bundle reads them from here. */
export const COMPILED_DIR = 'dist/lib';
const OUT_DIR = 'dist';
const CHUNKS_DIR = 'chunks';

interface PackageManifest {
  readonly exports?: unknown;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly 'flyte.connectors'?: Readonly<Record<string, string>>;
}

/**
 * The files a package publishes as JavaScript under dist/ (outside dist/lib), relative to dist/ and without
 * `.js`: the entry names of its bundle. Each is built from the file of the same path under dist/lib.
 */
export function bundleEntries(manifest: PackageManifest, extra: readonly string[] = []): string[] {
  const targets = new Set<string>();
  const add = (target: unknown) => {
    if (typeof target !== 'string') return;
    const path = target.replace(/^\.\//, '');
    if (!path.startsWith(`${OUT_DIR}/`) || path.startsWith(`${COMPILED_DIR}/`) || !path.endsWith('.js'))
      return;
    targets.add(path.slice(OUT_DIR.length + 1, -'.js'.length));
  };
  for (const target of exportTargets(manifest.exports)) add(target);
  const bin = manifest.bin;
  if (typeof bin === 'string') add(bin);
  else if (bin !== undefined) Object.values(bin).forEach(add);
  Object.values(manifest['flyte.connectors'] ?? {}).forEach(add);
  for (const path of extra) add(`${OUT_DIR}/${path.replace(/^\.\//, '')}`);
  return [...targets].sort();
}

/** The `default` / `import` targets of an exports map, at any depth of conditions. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.entries(exports).flatMap(([key, value]) => (key === 'types' ? [] : exportTargets(value)));
}

/** Bundles the package in `packageDir`; returns the files written, relative to the package. */
export async function bundlePackage(
  packageDir: string,
  extraEntries: readonly string[] = [],
): Promise<string[]> {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageManifest;
  const entries = bundleEntries(manifest, extraEntries);
  if (entries.length === 0) throw new Error(`${packageDir}/package.json publishes no JavaScript under dist/`);
  // Chunk names carry a content hash: without this, every rebuild would leave the previous chunks behind.
  await rm(join(packageDir, OUT_DIR, CHUNKS_DIR), { recursive: true, force: true });
  const bundle = await rolldown({
    input: Object.fromEntries(entries.map((entry) => [entry, `${COMPILED_DIR}/${entry}.js`])),
    cwd: packageDir,
    platform: 'node',
    // Only the package's own modules are bundled; anything imported by name (node:*, dependencies, peers such as
    // @org/connector-core) is left to Node, so one installed copy serves every package that imports it.
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  });
  try {
    const { output } = await bundle.write({
      dir: join(packageDir, OUT_DIR),
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: `${CHUNKS_DIR}/[name]-[hash].js`,
      sourcemap: true,
    });
    return output.filter((file) => file.type === 'chunk').map((file) => `${OUT_DIR}/${file.fileName}`);
  } finally {
    await bundle.close();
  }
}
