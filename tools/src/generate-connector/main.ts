#!/usr/bin/env node
// `npm run new-connector -- <name> [--async|--sync] [--task-type <type>] [--rest]`: see USAGE in options.ts.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateConnector } from './generate.ts';
import { parseOptions, USAGE, UsageError } from './options.ts';

// The workspace root: two levels above tools/src/generate-connector/, or FLYTE_WORKSPACE_ROOT (used by the tests
// to generate into a copy of the workspace).
const root = resolve(
  process.env['FLYTE_WORKSPACE_ROOT'] ?? fileURLToPath(new URL('../../..', import.meta.url)),
);

try {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) {
    console.log(USAGE);
  } else {
    const generated = await generateConnector(root, options);
    const dir = `packages/${generated.names.dirName}`;
    console.log(
      `Created ${dir}/ (${generated.names.packageName}, task type ${options.taskType}, ${options.mode}${options.rest ? ', REST' : ''}):`,
    );
    for (const file of generated.files) console.log(`  ${file}`);
    console.log(`
Wired into the workspace: tsconfig.json reference, node_modules/${generated.names.packageName} link${options.skipInstall ? ' (run npm install to record it in package-lock.json)' : ', package-lock.json'}.

Next:
  npx nx run-many -t build,lint,typecheck,test -p ${generated.names.packageName}
  node packages/core/dist/cli/main.js list     # shows the new connector
Then replace the skeleton with the real thing: CONTRIBUTING.md walks through it.`);
  }
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
