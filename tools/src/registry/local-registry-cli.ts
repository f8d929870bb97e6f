// `npm run registry:local`: a throw-away registry holding the workspace's packages as built, for trying an install
// or a release by hand (see docs/releasing.md). Stops, deleting everything it stored, on Ctrl-C.
import { parseArgs } from 'node:util';
import { startLocalRegistry } from './local-registry.ts';
import { publishWorkspacePackages } from './publish.ts';

const HELP = `Usage: npm run registry:local [-- --no-publish]

Starts Verdaccio on 127.0.0.1 (ephemeral port, temporary storage) that serves @org/* only from what is published
to it and proxies every other package to npm's configured registry (and proxies), publishes the built workspace
packages to it unless --no-publish is given, prints its URL and waits for Ctrl-C.

Then, in any directory:  npm install --registry <url> @org/connector-core @org/connector-bigquery
`;

const { values } = parseArgs({
  options: {
    'no-publish': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(HELP);
} else {
  const registry = await startLocalRegistry();
  const stop = (): void => {
    void registry.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!values['no-publish']) {
    for (const { name, version } of await publishWorkspacePackages(registry)) {
      process.stdout.write(`published ${name}@${version}\n`);
    }
  }
  process.stdout.write(
    `Local registry: ${registry.url} (upstream ${registry.upstream.url})\n` +
      `  npm install --registry ${registry.url} @org/connector-core @org/connector-bigquery\n` +
      `Ctrl-C stops it and deletes its storage.\n`,
  );
}
