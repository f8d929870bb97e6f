// Where this package's demo and benchmarks find the built connector and CLI. The service itself is started by
// core's startServiceProcess: the built `flyte-connect serve` loading the built plugin, as deployed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServiceProcess,
  type ServiceProcess,
  type ServiceProcessOptions,
} from '@org/connector-core/testing';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PLUGIN = join(PACKAGE_DIR, 'dist/plugin.js');
export const CLI = join(PACKAGE_DIR, '../core/dist/cli/main.js');
export type ServedService = ServiceProcess;

/** Exits with 2 and says what to build when the plugin or core's CLI is missing. */
export function requireBuilt(say: (text: string) => void, packageName: string): void {
  if (existsSync(PLUGIN) && existsSync(CLI)) return;
  say('the connector or core is not built:');
  for (const path of [CLI, PLUGIN]) if (!existsSync(path)) say(`  missing ${path}`);
  say(`run \`npm run build\` at the repository root first, then \`npm run … -w ${packageName}\` again.`);
  process.exit(2);
}

/** This package's built plugin served on 127.0.0.1 with free ports. */
export function serveBuilt(options: Omit<ServiceProcessOptions, 'modules'>): Promise<ServedService> {
  return startServiceProcess({ ...options, modules: [PLUGIN] });
}
