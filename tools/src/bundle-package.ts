#!/usr/bin/env node
// Bundles a workspace package's compiled modules into the few files it publishes: `node ../../tools/src/bundle-package.ts`
// from the package directory, after `tsc` has written `dist/lib/`. See docs/development.md ("Build output").
import { parseArgs } from 'node:util';
import { bundlePackage } from './bundle/bundle-package.ts';

const { values } = parseArgs({
  options: {
    entry: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    `Usage: bundle-package [--entry <path under dist/>]...

Run in a package directory after tsc has compiled src/ into dist/lib/. Every JavaScript file the package.json
publishes under dist/ (exports, bin, "flyte.connectors") becomes an entry built from its dist/lib/ counterpart;
modules shared by entries go to dist/chunks/. Dependencies stay imports of the installed packages.

  --entry <path>  one more entry, e.g. isolation/worker-main.js (a file loaded by path at run time)
`,
  );
} else {
  const written = await bundlePackage(process.cwd(), values.entry);
  process.stdout.write(`bundle-package: ${written.join(', ')}\n`);
}
