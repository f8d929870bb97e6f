import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConnectorManifest } from './manifest.js';

const dir = join('/opt', 'app', 'node_modules', '@org', 'connector-x');

function reasonFor(field: unknown, extra: Record<string, unknown> = {}): string | undefined {
  const result = readConnectorManifest(
    { name: '@org/connector-x', version: '1.0.0', 'flyte.connectors': field, ...extra },
    dir,
  );
  return result.kind === 'invalid' ? result.reason : undefined;
}

describe('readConnectorManifest', () => {
  it('reads entries with absolute module paths', () => {
    expect(
      readConnectorManifest(
        {
          name: '@org/connector-x',
          version: '1.0.0',
          'flyte.connectors': { main: './dist/plugin.js', extra: './b.mjs' },
        },
        dir,
      ),
    ).toEqual({
      kind: 'connectors',
      manifest: {
        packageName: '@org/connector-x',
        version: '1.0.0',
        entries: [
          { name: 'main', modulePath: join(dir, 'dist', 'plugin.js') },
          { name: 'extra', modulePath: join(dir, 'b.mjs') },
        ],
      },
    });
  });

  it('ignores packages without the field', () => {
    expect(readConnectorManifest({ name: 'left-pad', version: '1.0.0' }, dir)).toEqual({ kind: 'none' });
  });

  it('gives a precise reason for each kind of mistake', () => {
    expect(reasonFor(['./a.js'])).toBe(
      '"flyte.connectors" must be an object mapping entry names to module paths (e.g. { "main": "./dist/plugin.js" }), got an array',
    );
    expect(reasonFor('./a.js')).toContain('got the string "./a.js"');
    expect(reasonFor(null)).toContain('got null');
    expect(reasonFor({})).toBe('"flyte.connectors" declares no entries');
    expect(reasonFor({ main: 42 })).toBe(
      `"flyte.connectors" entry 'main' must be a module path string, got a number`,
    );
    expect(reasonFor({ main: 'dist/plugin.js' })).toBe(
      `"flyte.connectors" entry 'main' must be a path relative to the package starting with './' (e.g. "./dist/plugin.js"), got "dist/plugin.js"`,
    );
    expect(reasonFor({ main: './../other/plugin.js' })).toBe(
      `"flyte.connectors" entry 'main' points outside the package: "./../other/plugin.js"`,
    );
    expect(reasonFor({ main: './' })).toContain('must name a module file');
    expect(reasonFor({ ' ': './a.js' })).toBe(`"flyte.connectors" entry ' ' has an empty name`);
    expect(reasonFor({ main: './a.js' }, { version: 3 })).toBe('"version" is not a string');
    expect(readConnectorManifest({ 'flyte.connectors': { main: './a.js' } }, dir)).toEqual({
      kind: 'invalid',
      packageName: undefined,
      reason: 'package.json has no "name"',
    });
  });
});
