import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSearchPaths } from './search-paths.js';

let root: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'flyte-paths-')));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('defaultSearchPaths', () => {
  it('lists the existing node_modules of cwd and its ancestors, nearest first', async () => {
    await mkdir(join(root, 'node_modules'));
    await mkdir(join(root, 'a', 'b', 'node_modules'), { recursive: true });
    await mkdir(join(root, 'a', 'b', 'c'));

    const paths = defaultSearchPaths(join(root, 'a', 'b', 'c'));

    // Ancestors above the temp dir (e.g. /node_modules) may exist on this machine; only ours are asserted.
    expect(paths.filter((path) => path.startsWith(root))).toEqual([
      join(root, 'a', 'b', 'node_modules'),
      join(root, 'node_modules'),
    ]);
    expect(paths.slice(0, 2)).toEqual([join(root, 'a', 'b', 'node_modules'), join(root, 'node_modules')]);
  });

  it('adds the node_modules directory core is installed in, once', async () => {
    const globalNm = join(root, 'global', 'lib', 'node_modules');
    const coreDir = join(globalNm, '@org', 'connector-core');
    await mkdir(coreDir, { recursive: true });
    await mkdir(join(root, 'work', 'node_modules'), { recursive: true });

    const fromWork = defaultSearchPaths(join(root, 'work'), coreDir);
    expect(fromWork[0]).toBe(join(root, 'work', 'node_modules'));
    expect(fromWork.at(-1)).toBe(globalNm);

    const fromGlobal = defaultSearchPaths(join(root, 'global', 'lib'), coreDir);
    expect(fromGlobal.filter((path) => path === globalNm)).toHaveLength(1);
  });

  it('uses the node_modules chain of a core that is not installed in node_modules (a workspace checkout)', async () => {
    const coreDir = join(root, 'repo', 'packages', 'core');
    await mkdir(coreDir, { recursive: true });
    await mkdir(join(root, 'repo', 'node_modules'));
    await mkdir(join(root, 'elsewhere'));

    expect(defaultSearchPaths(join(root, 'elsewhere'), coreDir)).toContain(
      join(root, 'repo', 'node_modules'),
    );
  });

  it('skips node_modules/node_modules', async () => {
    await mkdir(join(root, 'node_modules', 'node_modules'), { recursive: true });
    expect(defaultSearchPaths(join(root, 'node_modules'))).not.toContain(
      join(root, 'node_modules', 'node_modules'),
    );
  });
});
