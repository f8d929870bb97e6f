// The flyte-connect command line. `main.ts`, the executable, loads it once the compile cache is on.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { corePackageFile } from '../package-files.js';
import { listCommand } from './list.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';

const { version } = JSON.parse(readFileSync(corePackageFile('package.json'), 'utf8')) as {
  version: string;
};

const serve = serveCommand();
const program = new Command('flyte-connect')
  .description(
    'The Flyte connector service: serves connectors to Flyte 1 (propeller) and Flyte 2 (executor) over gRPC.\n' +
      "Also installed as `c0`, a drop-in for flyte-sdk's command. Without a command, `serve` runs.",
  )
  .version(version)
  .addCommand(serve, { isDefault: true })
  .addCommand(listCommand())
  .addCommand(runCommand())
  .showHelpAfterError()
  // `serve` is the default command, so its options are what most users (and charts running `c0`) pass.
  .addHelpText(
    'after',
    () =>
      `\nOptions of the default command (flyte-connect serve):\n${serve.helpInformation().split('\nOptions:\n')[1] ?? ''}`,
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`flyte-connect: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
