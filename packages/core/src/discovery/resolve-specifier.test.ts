import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModuleSpecifier } from './resolve-specifier.js';

let root: string;
let nm: string;

async function write(path: string, content: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
}

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'flyte-resolve-')));
  nm = join(root, 'node_modules');
  await write(join(nm, 'esm-only', 'package.json'), {
    name: 'esm-only',
    type: 'module',
    exports: {
      '.': { types: './index.d.ts', require: './index.cjs', import: './index.mjs' },
      './extra': [{ worker: './worker.mjs' }, './extra.mjs'],
      './features/*': { import: './features/*.mjs' },
      './features/internal/*': null,
      './package.json': './package.json',
    },
  });
  await write(join(nm, '@scope', 'sugar', 'package.json'), {
    name: '@scope/sugar',
    exports: './lib/main.js',
  });
  await write(join(nm, '@scope', 'conditions', 'package.json'), {
    name: '@scope/conditions',
    exports: { node: { import: './node.mjs' }, default: './browser.js' },
  });
  await write(join(nm, 'legacy', 'package.json'), { name: 'legacy', main: './lib/entry' });
  await write(join(nm, 'legacy', 'lib', 'entry.js'), '');
  await write(join(nm, 'bare-index', 'package.json'), { name: 'bare-index' });
  await write(join(nm, 'bare-index', 'index.js'), '');
  await write(join(root, 'self', 'package.json'), { name: '@me/self', exports: { '.': './src/plugin.js' } });
  await mkdir(join(root, 'self', 'sub'), { recursive: true });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveModuleSpecifier', () => {
  it('resolves paths relative to cwd, absolute paths and file URLs', () => {
    expect(resolveModuleSpecifier('./my.js', join(root, 'app'))).toBe(join(root, 'app', 'my.js'));
    expect(resolveModuleSpecifier('../my.js', join(root, 'app'))).toBe(join(root, 'my.js'));
    expect(resolveModuleSpecifier('/opt/x.mjs', root)).toBe('/opt/x.mjs');
    expect(resolveModuleSpecifier(pathToFileURL('/opt/y.mjs').href, root)).toBe('/opt/y.mjs');
  });

  it('resolves bare specifiers through exports with import conditions, from cwd and its ancestors', () => {
    const cwd = join(root, 'deep', 'er');
    expect(resolveModuleSpecifier('esm-only', cwd)).toBe(join(nm, 'esm-only', 'index.mjs'));
    expect(resolveModuleSpecifier('esm-only/extra', cwd)).toBe(join(nm, 'esm-only', 'extra.mjs'));
    expect(resolveModuleSpecifier('esm-only/features/a/b', cwd)).toBe(
      join(nm, 'esm-only', 'features', 'a', 'b.mjs'),
    );
    expect(resolveModuleSpecifier('@scope/sugar', cwd)).toBe(join(nm, '@scope', 'sugar', 'lib', 'main.js'));
    expect(resolveModuleSpecifier('@scope/conditions', cwd)).toBe(
      join(nm, '@scope', 'conditions', 'node.mjs'),
    );
  });

  it('falls back to main and index.js for packages without exports', () => {
    expect(resolveModuleSpecifier('legacy', root)).toBe(join(nm, 'legacy', 'lib', 'entry.js'));
    expect(resolveModuleSpecifier('bare-index', root)).toBe(join(nm, 'bare-index', 'index.js'));
  });

  it('resolves a package by its own name from inside it', () => {
    expect(resolveModuleSpecifier('@me/self', join(root, 'self', 'sub'))).toBe(
      join(root, 'self', 'src', 'plugin.js'),
    );
  });

  it('explains what went wrong', () => {
    expect(() => resolveModuleSpecifier('esm-only/features/internal/x', root)).toThrow(
      `package 'esm-only' at ${join(nm, 'esm-only')} does not export './features/internal/x' for import`,
    );
    expect(() => resolveModuleSpecifier('esm-only/hidden', root)).toThrow("does not export './hidden'");
    expect(() => resolveModuleSpecifier('nope', root)).toThrow(
      `cannot find package 'nope' in the node_modules directories of ${root} or its parents`,
    );
    expect(() => resolveModuleSpecifier('my-connector.js', root)).toThrow(
      '(to load a file, write ./my-connector.js)',
    );
    expect(() => resolveModuleSpecifier('@scope', root)).toThrow("'@scope' is neither a path");
    expect(() => resolveModuleSpecifier('', root)).toThrow('empty');
  });
});
