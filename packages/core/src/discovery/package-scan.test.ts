import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectorPackages } from './package-scan.js';

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'flyte-scan-')));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

function manifest(name: string, version: string, entries: unknown): Record<string, unknown> {
  return { name, version, type: 'module', 'flyte.connectors': entries };
}

describe('discoverConnectorPackages', () => {
  it('finds scoped, unscoped and symlinked packages and reports malformed ones', async () => {
    const nm = join(root, 'node_modules');
    await writeJson(
      join(nm, '@org', 'connector-bq', 'package.json'),
      manifest('@org/connector-bq', '1.2.3', { bigquery: './dist/plugin.js' }),
    );
    await writeJson(
      join(nm, 'connector-plain', 'package.json'),
      manifest('connector-plain', '0.1.0', { a: './a.js', b: './b.js' }),
    );
    await writeJson(join(nm, 'left-pad', 'package.json'), {
      name: 'left-pad',
      version: '1.0.0',
      description: 'no "flyte.connectors" here',
    });
    await writeJson(join(nm, 'bad-array', 'package.json'), manifest('bad-array', '1.0.0', ['./a.js']));
    await writeJson(join(nm, 'bad-json', 'package.json'), '{ "name": "bad-json", "flyte.connectors": { ');
    await writeJson(join(nm, 'no-package-json', 'index.js'), '');
    await writeJson(join(nm, '.cache', 'x', 'package.json'), manifest('cached', '1.0.0', { a: './a.js' }));
    // Not entered: nested node_modules belong to their parent package's dependency tree.
    await writeJson(
      join(nm, 'left-pad', 'node_modules', 'nested', 'package.json'),
      manifest('nested', '1.0.0', { a: './a.js' }),
    );
    // npm workspaces link packages into node_modules.
    const linkedTarget = join(root, 'packages', 'connector-linked');
    await writeJson(
      join(linkedTarget, 'package.json'),
      manifest('@org/connector-linked', '0.0.1', { main: './plugin.mjs' }),
    );
    await symlink(linkedTarget, join(nm, '@org', 'connector-linked'), 'dir');
    await symlink(join(root, 'missing'), join(nm, 'dangling'), 'dir');

    const result = await discoverConnectorPackages({ searchPaths: [nm] });

    expect([...result]).toEqual([
      {
        packageName: '@org/connector-bq',
        version: '1.2.3',
        packageDir: join(nm, '@org', 'connector-bq'),
        entries: [{ name: 'bigquery', modulePath: join(nm, '@org', 'connector-bq', 'dist', 'plugin.js') }],
      },
      {
        packageName: '@org/connector-linked',
        version: '0.0.1',
        packageDir: linkedTarget,
        entries: [{ name: 'main', modulePath: join(linkedTarget, 'plugin.mjs') }],
      },
      {
        packageName: 'connector-plain',
        version: '0.1.0',
        packageDir: join(nm, 'connector-plain'),
        entries: [
          { name: 'a', modulePath: join(nm, 'connector-plain', 'a.js') },
          { name: 'b', modulePath: join(nm, 'connector-plain', 'b.js') },
        ],
      },
    ]);
    expect(result.problems).toEqual([
      {
        source: `package bad-array at ${join(nm, 'bad-array')}`,
        reason: expect.stringContaining(
          '"flyte.connectors" must be an object mapping entry names to module paths',
        ) as string,
      },
      {
        source: `package (unnamed) at ${join(nm, 'bad-json')}`,
        reason: expect.stringMatching(/^its package\.json is not valid JSON: /) as string,
      },
    ]);
  });

  it('lists a package reached through two search paths once, and lets the nearest copy shadow others', async () => {
    const appNm = join(root, 'app', 'node_modules');
    const rootNm = join(root, 'node_modules');
    await writeJson(
      join(rootNm, '@org', 'shared', 'package.json'),
      manifest('@org/shared', '1.0.0', { main: './p.js' }),
    );
    await mkdir(join(appNm, '@org'), { recursive: true });
    await symlink(join(rootNm, '@org', 'shared'), join(appNm, '@org', 'shared'), 'dir');
    await writeJson(join(appNm, 'dup', 'package.json'), manifest('dup', '2.0.0', { main: './p.js' }));
    await writeJson(join(rootNm, 'dup', 'package.json'), manifest('dup', '1.0.0', { main: './p.js' }));

    const result = await discoverConnectorPackages({ searchPaths: [appNm, rootNm, join(root, 'nowhere')] });

    expect(result.map((pkg) => [pkg.packageName, pkg.version, pkg.packageDir])).toEqual([
      ['@org/shared', '1.0.0', join(rootNm, '@org', 'shared')],
      ['dup', '2.0.0', join(appNm, 'dup')],
    ]);
    expect(result.problems).toEqual([
      {
        source: `package dup@1.0.0 at ${join(rootNm, 'dup')}`,
        reason: `skipped: another copy of dup at ${join(appNm, 'dup')} comes first in the search paths`,
      },
    ]);
  });

  it('returns nothing for an empty or missing search path', async () => {
    await mkdir(join(root, 'node_modules'));
    const result = await discoverConnectorPackages({
      searchPaths: [join(root, 'node_modules'), join(root, 'none')],
    });
    expect([result.length, result.problems]).toEqual([0, []]);
  });
});
