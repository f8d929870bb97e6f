// The packaging check itself, on two small packages packed by the real `npm pack`: one fit to publish, one with
// every mistake the check exists to catch.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagingProblems, packPreview } from '../../src/registry/pack-check.ts';
import type { PackageManifest, WorkspacePackage } from '../../src/registry/workspace-packages.ts';

const CORE = { name: '@org/connector-core', version: '0.3.1' };
let root: string;

async function writePackage(
  name: string,
  manifest: PackageManifest,
  files: Record<string, string>,
): Promise<WorkspacePackage> {
  const dir = join(root, 'packages', name);
  for (const [path, content] of Object.entries({ ...files, 'package.json': JSON.stringify(manifest) })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return { dir, path: `packages/${name}`, manifest };
}

const docs = { 'README.md': '# x\n', 'CHANGELOG.md': '## 1.0.0\n', LICENSE: 'Apache-2.0\n' };
let good: WorkspacePackage;
let bad: WorkspacePackage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'flyte-pack-check-'));
  good = await writePackage(
    'connector-good',
    {
      name: '@acme/connector-good',
      version: '1.0.0',
      license: 'Apache-2.0',
      exports: {
        '.': { types: './dist/index.d.ts', default: './dist/index.js' },
        './package.json': './package.json',
      },
      types: './dist/index.d.ts',
      files: ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE'],
      engines: { node: '>=22.12' },
      repository: { type: 'git', url: 'git+https://example.com/x.git', directory: 'packages/connector-good' },
      publishConfig: { access: 'public' },
      dependencies: { 'left-pad': '^1.3.0' },
      peerDependencies: { '@org/connector-core': '^0.3.0' },
      'flyte.connectors': { good: './dist/plugin.js' },
    },
    {
      ...docs,
      'dist/index.js':
        "import leftPad from 'left-pad';\nimport { readFile } from 'node:fs';\nexport { leftPad, readFile };\n",
      'dist/index.d.ts': 'export {};\n',
      'dist/plugin.js':
        "export default (await import('@org/connector-core')).defineConnectorPlugin({ connectors: () => [] });\n",
    },
  );
  bad = await writePackage(
    'connector-bad',
    {
      name: '@acme/connector-bad',
      version: '1.0.0',
      exports: {
        '.': { default: './dist/index.js', types: './dist/index.d.ts' },
        './extra': { types: './dist/extra.d.ts', default: './dist/extra.js' },
      },
      bin: { bad: 'dist/cli.js' },
      files: ['dist', '!dist/lib/**/*.js', 'test', 'README.md', 'LICENSE'],
      repository: { type: 'git', url: 'git+https://example.com/x.git', directory: 'packages/somewhere-else' },
      dependencies: { '@org/connector-core': '^0.1.0' },
      'flyte.connectors': { bad: './dist/plugin.js' },
    },
    {
      ...docs,
      'dist/index.js': "import { z } from 'zod';\nexport const schema = z.string();\n",
      'dist/index.d.ts': 'export {};\n',
      'dist/index.js.map': '{}',
      'dist/index.test.js': 'export {};\n',
      'dist/cli.js': "console.log('no shebang');\n",
      'dist/plugin.js': "export { default } from './lib/plugin.js';\n",
      'dist/lib/plugin.js': 'export default [];\n',
      'dist/tsconfig.lib.tsbuildinfo': '{}',
      'test/plugin.test.ts': 'export {};\n',
    },
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packagingProblems', () => {
  it('finds nothing wrong with a well-formed connector package', async () => {
    expect(await packagingProblems(good, { packed: await packPreview(good.dir), core: CORE })).toEqual([]);
  });

  it('names every mistake of a badly packaged connector', async () => {
    const problems = await packagingProblems(bad, { packed: await packPreview(bad.dir), core: CORE });
    expect(problems.sort()).toEqual(
      [
        'CHANGELOG.md is not packed',
        'dist/index.js.map is packed (source map of unpublished sources)',
        'dist/index.test.js is packed (test file)',
        'dist/tsconfig.lib.tsbuildinfo is packed (TypeScript build state)',
        'test/plugin.test.ts is packed (test/bench/demo directory)',
        'no "types" field',
        'exports["."]: "types" must be the first condition (found default, types)',
        'exports["./extra"].types points at dist/extra.d.ts, which is not packed',
        'exports["./extra"].default points at dist/extra.js, which is not packed',
        'bin bad does not start with #!/usr/bin/env node',
        'no engines.node',
        'no license',
        'repository.directory is packages/somewhere-else, expected packages/connector-bad',
        'a scoped package needs publishConfig.access "public" (npm publishes scoped packages private)',
        'no peer dependency on @org/connector-core',
        '@org/connector-core is a dependency (each connector would carry its own core); make it a peer',
        'dist/index.js imports zod, which is not in dependencies or peerDependencies',
        'dist/plugin.js imports dist/lib/plugin.js, which is not packed',
      ].sort(),
    );
  });

  it('refuses a peer range that excludes the workspace core', async () => {
    const stale: WorkspacePackage = {
      ...good,
      manifest: { ...good.manifest, peerDependencies: { '@org/connector-core': '^0.2.0' } },
    };
    expect(await packagingProblems(stale, { packed: await packPreview(good.dir), core: CORE })).toEqual([
      "peer range @org/connector-core@^0.2.0 excludes the workspace's 0.3.1",
    ]);
  });
});
