// The bundler the packages' builds run: which files become entries, and what a bundle built from compiled
// modules looks like (one copy of shared code, dependencies left to Node, files loadable by path).
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleEntries, bundlePackage } from '../../src/bundle/bundle-package.ts';

const root = await mkdtemp(join(tmpdir(), 'bundle-package-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

describe('bundleEntries', () => {
  it('takes every published JavaScript file under dist/ except the compiled modules and type declarations', () => {
    expect(
      bundleEntries(
        {
          exports: {
            '.': { types: './dist/lib/index.d.ts', default: './dist/index.js' },
            './testing': { types: './dist/lib/testing/index.d.ts', import: './dist/testing/index.js' },
            './raw': './dist/lib/raw.js',
            './package.json': './package.json',
          },
          bin: { tool: 'dist/cli/main.js', alias: 'dist/cli/main.js' },
          'flyte.connectors': { acme: './dist/plugin.js' },
        },
        ['isolation/worker-main.js'],
      ),
    ).toEqual(['cli/main', 'index', 'isolation/worker-main', 'plugin', 'testing/index']);
  });

  it('accepts a single bin and string exports', () => {
    expect(bundleEntries({ exports: './dist/index.js', bin: 'dist/cli.js' })).toEqual(['cli', 'index']);
  });
});

describe('bundlePackage', () => {
  it('writes each entry at its published path with shared modules in one chunk, dependencies left as imports', async () => {
    const dir = join(root, 'acme');
    await writeFiles(dir, {
      'package.json': JSON.stringify({
        name: '@acme/x',
        type: 'module',
        exports: { '.': { types: './dist/lib/index.d.ts', default: './dist/index.js' } },
        bin: { acme: 'dist/tool.js' },
        'flyte.connectors': { acme: './dist/plugin.js' },
      }),
      'dist/lib/index.js': "export { Shared } from './shared.js';\nexport const kind = 'index';\n",
      'dist/lib/plugin.js':
        "import { Shared } from './shared.js';\nimport { join } from 'node:path';\n" +
        'export default { shared: new Shared(), join };\n',
      'dist/lib/tool.js': "import chalk from 'chalk';\nconsole.log(chalk.bold('acme'));\n",
      'dist/lib/shared.js':
        'export class Shared { static instances = 0; constructor() { Shared.instances += 1; } }\n',
      // A stale chunk of an earlier build, which must not survive.
      'dist/chunks/old-0000.js': 'export {};\n',
    });

    const written = await bundlePackage(dir);

    expect(written.filter((file) => !file.startsWith('dist/chunks/')).sort()).toEqual([
      'dist/index.js',
      'dist/plugin.js',
      'dist/tool.js',
    ]);
    const chunks = await readdir(join(dir, 'dist/chunks'));
    expect(chunks.filter((file) => file.endsWith('.js'))).toHaveLength(1);
    expect(chunks).not.toContain('old-0000.js');
    expect(await readFile(join(dir, 'dist/tool.js'), 'utf8')).toMatch(/from "chalk"/);
    const plugin = await readFile(join(dir, 'dist/plugin.js'), 'utf8');
    expect(plugin).toMatch(/from "node:path"/);
    expect(plugin).not.toMatch(/from "[^"]*lib\//);
    // Both entries use one copy of the shared module: the plugin's instance is of the class the index exports.
    const load = async (file: string) => (await import(pathToFileURL(join(dir, file)).href)) as unknown;
    const index = (await load('dist/index.js')) as { Shared: { instances: number }; kind: string };
    const loaded = (await load('dist/plugin.js')) as { default: { shared: unknown } };
    expect(index.kind).toBe('index');
    expect(loaded.default.shared).toBeInstanceOf(index.Shared);
    expect(index.Shared.instances).toBe(1);
  });

  it('refuses a package that publishes no JavaScript under dist/', async () => {
    const dir = join(root, 'empty');
    await writeFiles(dir, { 'package.json': JSON.stringify({ name: 'empty', exports: './index.js' }) });
    await expect(bundlePackage(dir)).rejects.toThrow('publishes no JavaScript under dist/');
  });
});
