import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corePackageFile } from './package-files.js';

describe('corePackageFile', () => {
  it("finds core's own package.json from the module's location", () => {
    const manifest = JSON.parse(readFileSync(corePackageFile('package.json'), 'utf8')) as { name: string };
    expect(manifest.name).toBe('@org/connector-core');
  });

  it('names the files the package publishes, such as the bundled CLI', () => {
    expect(corePackageFile('dist/cli/main.js')).toMatch(/packages\/core\/dist\/cli\/main\.js$/);
  });
});
