import type { ConnectorNames } from './names.ts';

/** The new package's package.json, in the shape of the first-party connectors'. */
export function packageJson(names: ConnectorNames, description: string): Record<string, unknown> {
  return {
    name: names.packageName,
    version: '0.1.0',
    description,
    license: 'Apache-2.0',
    type: 'module',
    repository: {
      type: 'git',
      url: 'https://github.com/org/flyte-connectors.git',
      directory: `packages/${names.dirName}`,
    },
    engines: { node: '>=22.12' },
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    types: './dist/index.d.ts',
    files: ['dist', '!dist/**/*.tsbuildinfo', 'README.md', 'LICENSE'],
    // Core's discovery loads this module; image builds pick packages by this field.
    'flyte.connectors': { [names.name]: './dist/plugin.js' },
    scripts: {
      build: 'tsc -b tsconfig.lib.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      lint: 'eslint .',
      test: 'vitest run',
    },
    // A peer: an installation holds exactly one core (one registry, one set of error classes).
    peerDependencies: { [names.corePackage]: names.coreRange },
    nx: { tags: ['scope:connector'] },
    devDependencies: { [names.corePackage]: '*' },
  };
}
