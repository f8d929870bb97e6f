import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let packageRoot: string | undefined;

/**
 * A file of this package (core) by its path from the package root, e.g. `dist/cli/main.js`. The root is found by
 * walking up from this module to the package.json: this code runs from the sources (src/), from tsc's output
 * (dist/lib/) and from the published bundle (dist/, dist/chunks/), at different depths, so a fixed `../` path
 * relative to `import.meta.url` would be wrong in some of them.
 */
export function corePackageFile(path: string): string {
  packageRoot ??= findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  return join(packageRoot, path);
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${start}.`);
  }
}
