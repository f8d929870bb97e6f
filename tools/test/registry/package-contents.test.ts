// What each published package would contain, read from `npm pack --dry-run --json`: the files its package.json
// promises exist, nothing development-only ships, connectors share the host's core, and every package the
// published code imports is declared. Needs built packages (the tools `test` target depends on their builds).
import { describe, expect, it } from 'vitest';
import { packagingProblems, packPreview } from '../../src/registry/pack-check.ts';
import { publishablePackages } from '../../src/registry/workspace-packages.ts';

const packages = await publishablePackages();
const core = packages.find((pkg) => pkg.manifest.name === '@org/connector-core');

describe('published package contents', () => {
  it('publishes core and the four first-party connectors', () => {
    expect(core, 'packages/core is missing').toBeDefined();
    expect(
      packages.filter((pkg) => pkg.manifest['flyte.connectors'] !== undefined).length,
    ).toBeGreaterThanOrEqual(4);
  });

  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s is fit to publish',
    async (_name, pkg) => {
      const packed = await packPreview(pkg.dir);
      const problems = await packagingProblems(pkg, {
        packed,
        core: { name: core!.manifest.name, version: core!.manifest.version },
      });
      expect(problems).toEqual([]);
    },
  );

  // Their files being packed and starting with a shebang is checked above; here, that users' commands exist.
  it('core installs the flyte-connect and c0 commands', () => {
    expect(Object.keys(core!.manifest.bin ?? {}).sort()).toEqual(['c0', 'flyte-connect']);
  });
});
