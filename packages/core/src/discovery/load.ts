import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Connector } from '../connector.js';
import type { Logger } from '../logger.js';
import { connectorsFromModule } from '../plugin.js';
import { errorReason } from './error-reason.js';
import type { ConnectorEntry } from './manifest.js';
import type { DiscoveredPackage, DiscoveryProblem } from './package-scan.js';
import { resolveModuleSpecifier } from './resolve-specifier.js';

/** A connector and where it came from (the source appears in registry errors and listings). */
export interface LoadedConnector {
  readonly connector: Connector;
  readonly source: string;
}

export interface LoadOptions {
  /**
   * From `discoverConnectorPackages`; a broken one is skipped with a warning. The problems discovery attached are
   * logged and returned with the load problems.
   */
  readonly packages: readonly DiscoveredPackage[] & { readonly problems?: readonly DiscoveryProblem[] };
  /** `--modules` values (paths relative to `cwd`, or bare specifiers); a broken one is fatal. */
  readonly modules: readonly string[];
  readonly cwd: string;
  readonly logger: Logger;
  /** Passed to each plugin's `connectors()`. */
  readonly env: NodeJS.ProcessEnv;
}

export interface LoadResult {
  readonly loaded: LoadedConnector[];
  readonly problems: DiscoveryProblem[];
}

/**
 * Imports the discovered connector entries and the `--modules` and collects their connectors. Nothing is
 * registered here. Installed packages are best-effort (one broken package must not take down the connectors of
 * the others), while a `--modules` value was asked for explicitly, so its failure stops start-up.
 */
export async function loadConnectors(options: LoadOptions): Promise<LoadResult> {
  const { logger } = options;
  const problems: DiscoveryProblem[] = [];
  const report = (problem: DiscoveryProblem): void => {
    logger.warn(
      { source: problem.source, reason: problem.reason },
      `Skipping ${problem.source}: ${problem.reason}`,
    );
    problems.push(problem);
  };
  options.packages.problems?.forEach(report);

  const env = { env: options.env };
  const entries = options.packages.flatMap((pkg) =>
    pkg.entries.map((entry) => ({ entry, source: packageEntrySource(pkg, entry) })),
  );
  // Imported concurrently (module evaluation may do I/O), reported in declaration order.
  const outcomes = await Promise.all(
    entries.map(({ entry, source }) =>
      importConnectors(entry.modulePath, env).then(
        (connectors) => ({ source, connectors }),
        (error: unknown) => ({ source, error }),
      ),
    ),
  );

  const loaded: LoadedConnector[] = [];
  for (const outcome of outcomes) {
    if ('error' in outcome) {
      report({ source: outcome.source, reason: errorReason(outcome.error) });
      continue;
    }
    logger.debug(
      { source: outcome.source, connectors: outcome.connectors.length },
      `Loaded ${outcome.source}`,
    );
    for (const connector of outcome.connectors) loaded.push({ connector, source: outcome.source });
  }

  for (const specifier of options.modules) {
    const source = `module ${specifier}`;
    let connectors: Connector[];
    try {
      connectors = await importConnectors(resolveModuleSpecifier(specifier, options.cwd), env);
    } catch (error) {
      throw new Error(`Cannot load --modules ${specifier}: ${errorReason(error)}`, { cause: error });
    }
    if (connectors.length === 0) logger.warn({ source }, `${source} provides no connectors`);
    for (const connector of connectors) loaded.push({ connector, source });
  }
  return { loaded, problems };
}

/** `package @org/connector-bigquery@1.2.3 (entry bigquery)`. */
export function packageEntrySource(pkg: DiscoveredPackage, entry: ConnectorEntry): string {
  return `package ${pkg.packageName}${pkg.version === undefined ? '' : `@${pkg.version}`} (entry ${entry.name})`;
}

async function importConnectors(
  modulePath: string,
  env: { readonly env: NodeJS.ProcessEnv },
): Promise<Connector[]> {
  // The usual cause is an unbuilt package; say so instead of the loader's "imported from" message.
  const stats = await stat(modulePath).catch(() => undefined);
  if (stats === undefined || !stats.isFile())
    throw new Error(`module ${modulePath} does not exist (is it built?)`);
  const moduleExports = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  return connectorsFromModule(moduleExports, env);
}
