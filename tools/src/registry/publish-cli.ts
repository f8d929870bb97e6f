// `npm run release:publish -- [--registry <url>] [--tag <tag>] [--dry-run]`: the publish step of a release (see
// docs/releasing.md). Publishes every workspace package whose version the registry does not have yet, so that it
// can run after `nx release --skip-publish` and again after a partial failure.
import { parseArgs } from 'node:util';
import { machineUpstream } from './local-registry.ts';
import { assertBuilt, npmPublish, unpublishedPackages } from './publish.ts';
import { publishablePackages } from './workspace-packages.ts';

const HELP = `Usage: npm run release:publish -- [options]

Publishes the workspace packages (packages/*, built) whose current version is not on the registry yet, with
npm publish and the npm credentials of the user running it (~/.npmrc, NPM_CONFIG_USERCONFIG, or a token in
the environment referenced from an .npmrc).

Options:
  --registry <url>  registry to publish to (default: npm's configured registry, \`npm config get registry\`)
  --tag <tag>       dist-tag to publish under (default: latest)
  --dry-run         pack and show what would be published; upload nothing
  -h, --help        show this help
`;

const { values } = parseArgs({
  options: {
    registry: { type: 'string' },
    tag: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(HELP);
} else {
  const registry = values.registry ?? (await machineUpstream()).url;
  const packages = await publishablePackages();
  assertBuilt(packages);
  const pending = await unpublishedPackages(packages, registry);
  const skipped = packages.filter((pkg) => !pending.includes(pkg));
  for (const pkg of skipped) {
    process.stdout.write(`= ${pkg.manifest.name}@${pkg.manifest.version} is already on ${registry}\n`);
  }
  for (const pkg of pending) {
    process.stdout.write(
      `+ ${pkg.manifest.name}@${pkg.manifest.version} ${values['dry-run'] ? 'would be' : 'is being'} published to ${registry}\n`,
    );
  }
  process.stdout.write(
    await npmPublish(pending, {
      registry,
      dryRun: values['dry-run'],
      ...(values.tag === undefined ? {} : { tag: values.tag }),
    }),
  );
}
