import { formatTaskCategory, isSyncConnector, taskCategoriesOf, type Connector } from '../connector.js';
import {
  packageEntrySource,
  resolveModuleSpecifier,
  type DiscoveredPackage,
  type LoadedConnector,
} from '../discovery/index.js';
import type { Logger } from '../logger.js';
import { isolatedConnector } from './isolated-connector.js';
import type { StallReport } from './stall-watchdog.js';
import { WorkerHost, type WorkerExitReason } from './worker-host.js';

/** The worker metrics (ServiceMetrics implements them). */
export interface WorkerMetrics {
  /** Counts an unplanned end of the worker of `worker` (a module source). */
  countWorkerExit(worker: string, reason: WorkerExitReason): void;
  /** Reports the worker's heap at scrape time. */
  trackWorkerHeap(worker: string, heapUsedBytes: () => Promise<number | undefined>): void;
}

/** Settings of {@link isolateConnectors}. */
export interface IsolationOptions {
  /** Module path of each source (package entry or `--modules` value) that can run in a worker. */
  readonly modulePaths: ReadonlyMap<string, string>;
  readonly env: NodeJS.ProcessEnv;
  /** Heap cap of each worker, in MiB. */
  readonly heapMib: number;
  /** The stall watchdog's threshold inside each worker, in ms; 0 disables it. */
  readonly stallThresholdMs: number;
  readonly logger: Logger;
  readonly serverSecret: (key: string) => Promise<string | undefined>;
  readonly onStall: (report: StallReport, thread: string) => void;
  readonly metrics: WorkerMetrics;
}

/** The connectors to register (stand-ins for isolated ones) and the names of those that run in workers. */
export interface IsolatedConnectors {
  readonly connectors: readonly LoadedConnector[];
  readonly isolatedNames: ReadonlySet<string>;
}

/**
 * Replaces the connectors of every module with stand-ins that forward to one worker thread per module (the unit
 * discovery and `--modules` load: a package entry shares state between its connectors, so they share a worker).
 * Connectors passed in programmatically have no module to load and stay on the main thread.
 */
export function isolateConnectors(
  loaded: readonly LoadedConnector[],
  options: IsolationOptions,
): IsolatedConnectors {
  const bySource = new Map<string, Connector[]>();
  for (const { connector, source } of loaded) {
    if (!options.modulePaths.has(source)) continue;
    bySource.set(source, [...(bySource.get(source) ?? []), connector]);
  }
  const hosts = new Map<string, WorkerHost>();
  for (const [source, connectors] of bySource) {
    const host = new WorkerHost({
      setup: {
        modulePath: options.modulePaths.get(source)!,
        source,
        expected: connectors.map((connector) => ({
          name: connector.name,
          sync: isSyncConnector(connector),
          categories: taskCategoriesOf(connector).map(formatTaskCategory),
        })),
        stallThresholdMs: options.stallThresholdMs,
      },
      env: options.env,
      heapMib: options.heapMib,
      logger: options.logger,
      serverSecret: options.serverSecret,
      onStall: options.onStall,
      onExit: (reason) => options.metrics.countWorkerExit(source, reason),
    });
    options.metrics.trackWorkerHeap(source, () => host.heapUsedBytes());
    hosts.set(source, host);
  }
  const isolatedNames = new Set<string>();
  const indexes = new Map<string, number>();
  const connectors = loaded.map((item) => {
    const host = hosts.get(item.source);
    if (host === undefined) {
      options.logger.info(
        { connector: item.connector.name, source: item.source },
        `connector '${item.connector.name}' (${item.source}) has no module to load in a worker; it runs in the main thread`,
      );
      return item;
    }
    const index = indexes.get(item.source) ?? 0;
    indexes.set(item.source, index + 1);
    isolatedNames.add(item.connector.name);
    return { connector: isolatedConnector(item.connector, host, index), source: item.source };
  });
  return { connectors, isolatedNames };
}

/** The module path of every source discovery and `--modules` loaded, keyed as `loadConnectors` names sources. */
export function modulePathsBySource(
  packages: readonly DiscoveredPackage[],
  modules: readonly string[],
  cwd: string,
): Map<string, string> {
  const paths = new Map<string, string>();
  for (const pkg of packages) {
    for (const entry of pkg.entries) paths.set(packageEntrySource(pkg, entry), entry.modulePath);
  }
  for (const specifier of modules) {
    try {
      paths.set(`module ${specifier}`, resolveModuleSpecifier(specifier, cwd));
    } catch {
      // loadConnectors already refused it; nothing of it is registered.
    }
  }
  return paths;
}
