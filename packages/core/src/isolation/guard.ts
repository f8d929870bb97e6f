import type { DiscoveredPackage, LoadedConnector } from '../discovery/index.js';
import type { Logger } from '../logger.js';
import { isolateConnectors, modulePathsBySource, type WorkerMetrics } from './isolate.js';
import { createStallReporter, type StallMetrics } from './stall-reporter.js';
import { StallWatchdog } from './stall-watchdog.js';

/** Settings of {@link guardConnectors}: the service's `--stall-threshold`, `--isolate` and `--isolate-heap-mib`. */
export interface ConnectorGuardOptions {
  /** Event loop stalls at least this long are reported, in ms; 0 turns detection off. */
  readonly stallThresholdMs: number;
  /** Run each connector module in a worker thread of its own. */
  readonly isolate: boolean;
  /** Heap cap of each worker, in MiB. */
  readonly heapMib: number;
  /** What discovery found and the `--modules` values: where each source's module is. */
  readonly packages: readonly DiscoveredPackage[];
  readonly modules: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly serverSecret: (key: string) => Promise<string | undefined>;
  readonly metrics: StallMetrics & WorkerMetrics;
}

/** The connectors to register and the main thread's watchdog (not started yet). */
export interface ConnectorGuard {
  readonly connectors: readonly LoadedConnector[];
  /** Undefined when stall detection is off. */
  readonly watchdog: StallWatchdog | undefined;
}

/**
 * Sets up the defences against misbehaving connectors: the stall watchdog of the main thread (and of each worker)
 * and, with `isolate`, one worker thread per connector module.
 */
export function guardConnectors(
  loaded: readonly LoadedConnector[],
  options: ConnectorGuardOptions,
): ConnectorGuard {
  const reportStall = createStallReporter(options.logger, options.metrics);
  const isolated = options.isolate
    ? isolateConnectors(loaded, {
        modulePaths: modulePathsBySource(options.packages, options.modules, options.cwd),
        env: options.env,
        heapMib: options.heapMib,
        stallThresholdMs: options.stallThresholdMs,
        logger: options.logger,
        serverSecret: options.serverSecret,
        onStall: reportStall,
        metrics: options.metrics,
      })
    : undefined;
  const watchdog =
    options.stallThresholdMs > 0
      ? new StallWatchdog({
          thresholdMs: options.stallThresholdMs,
          onStall: (report) => reportStall(report, 'main thread'),
          ...(isolated === undefined ? {} : { notSuspect: (name) => isolated.isolatedNames.has(name) }),
        })
      : undefined;
  return { connectors: isolated?.connectors ?? loaded, watchdog };
}
