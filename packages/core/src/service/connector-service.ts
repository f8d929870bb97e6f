import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import type { Connector, ConnectorEnvironment } from '../connector.js';
import { defaultSearchPaths, discoverConnectorPackages, loadConnectors } from '../discovery/index.js';
import { RequestBudget } from '../grpc/request-budget.js';
import { startGrpcServer, type TlsFiles } from '../grpc/server.js';
import { guardConnectors } from '../isolation/guard.js';
import { createLogger } from '../logging.js';
import type { Logger } from '../logger.js';
import { ServiceMetrics, startMetricsServer } from '../metrics/index.js';
import { ConnectorRegistry, type ConnectorListing } from '../registry.js';
import { ServerSecrets } from '../secrets/server-secrets.js';
import { Dispatcher } from './dispatcher.js';
import { ConcurrencyLimiter } from './limiter.js';
import { releaseStartupMemory } from './startup-memory.js';

/** Options of {@link ConnectorService.run}: what `flyte-connect serve` sets from its flags. */
export interface ConnectorServiceOptions {
  /** gRPC port (both protocol families, health, reflection). 0 picks a free port. Default 8000. */
  readonly port?: number;
  /** Address the gRPC and Prometheus servers listen on. Default `0.0.0.0`. */
  readonly host?: string;
  /** Prometheus port (`/metrics`, `/healthz`). 0 picks a free port; `null` disables. Default 9090. */
  readonly prometheusPort?: number | null;
  /** Most connector calls running at once; the excess waits. Default 10. */
  readonly worker?: number;
  /** Seconds after which the service stops by itself (for tests). */
  readonly timeout?: number;
  /** Extra connector modules: paths (relative to `cwd`) or package specifiers. A broken one is fatal. */
  readonly modules?: readonly string[];
  /** Discover installed packages declaring `"flyte.connectors"`. Default true. */
  readonly discover?: boolean;
  /** Connector instances to serve in addition to discovered ones. */
  readonly connectors?: readonly Connector[];
  /** Where discovery starts and relative `modules` resolve from. Default `process.cwd()`. */
  readonly cwd?: string;
  /** The environment parameters and server secrets are read from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where Flyte 1 deployments mount secrets. Default `/etc/secrets`. */
  readonly secretsDir?: string;
  /** Serve TLS with these files; plaintext (h2c) without. */
  readonly tls?: TlsFiles;
  /** Largest gRPC message accepted or sent, in bytes. Default 64 MiB. */
  readonly maxMessageBytes?: number;
  /** Most concurrent HTTP/2 streams per client connection. Default 1000. */
  readonly maxConcurrentStreams?: number;
  /**
   * Most request bytes being decoded and handled at once; beyond it calls are refused with RESOURCE_EXHAUSTED
   * before they cost memory (one request is always admitted when nothing else is in flight). 0: no bound.
   * Default 64 MiB.
   */
  readonly maxInflightRequestBytes?: number;
  /** Close connections idle (no call) for this long, in ms. Default: never. */
  readonly maxConnectionIdleMs?: number | undefined;
  /** Close connections after this long, in ms, so that clients rebalance over replicas. Default: never. */
  readonly maxConnectionAgeMs?: number | undefined;
  /** Time calls get to finish on a connection closed for its age, in ms. Default: grpc-js's (unlimited). */
  readonly maxConnectionAgeGraceMs?: number | undefined;
  /** How long in-flight calls may take to finish after a stop is requested. Default 30 s. */
  readonly gracePeriodMs?: number;
  /** The service's logger. Default: JSON lines on stdout at level info. */
  readonly logger?: Logger;
  /**
   * Report event loop stalls at least this long (ms) in a warn line naming the connector responsible, and count
   * them per task type. 0 turns detection off. Default 200.
   */
  readonly stallThresholdMs?: number;
  /**
   * Run each connector module (package entry or `modules` value) in a worker thread of its own, so that one that
   * blocks, crashes or leaks cannot stall or take down the others. Default false.
   */
  readonly isolate?: boolean;
  /** With `isolate`: the heap cap of each worker, in MiB; a worker reaching it is named and restarted. Default 512. */
  readonly isolateHeapMib?: number;
  /**
   * Run one full garbage collection half a second after listening, giving back the memory start-up used (~15 MB of an idle
   * service's RSS) for a few tens of milliseconds of CPU. Off by default because it collects the whole process,
   * which an embedding application may not expect; `flyte-connect serve` turns it on.
   */
  readonly releaseStartupMemory?: boolean;
}

/** A running connector service. */
export interface ServiceHandle {
  /** The gRPC port listened on (the one picked when `port` was 0). */
  readonly grpcPort: number;
  /** Undefined when the Prometheus endpoint is disabled. */
  readonly metricsPort: number | undefined;
  /** The connectors served, with their categories and where each was loaded from. */
  readonly connectors: readonly ConnectorListing[];
  /** Connector packages that could not be loaded (discovery skips them and serves the rest). */
  readonly problems: readonly {
    /** The package or module. */
    readonly source: string;
    /** Why it was skipped. */
    readonly reason: string;
  }[];
  /** Drains and stops the service: health NOT_SERVING, new calls refused, in-flight calls finish, close hooks run. */
  stop(): Promise<void>;
  /** Settles once the service has stopped (by `stop()`, a signal handler or `timeout`). */
  readonly stopped: Promise<void>;
}

const DEFAULTS = {
  port: 8000,
  host: '0.0.0.0',
  prometheusPort: 9090,
  worker: 10,
  secretsDir: '/etc/secrets',
  maxMessageBytes: 64 * 1024 * 1024,
  maxConcurrentStreams: 1000,
  maxInflightRequestBytes: 64 * 1024 * 1024,
  gracePeriodMs: 30_000,
  stallThresholdMs: 200,
  isolateHeapMib: 512,
} as const;

/** How long after it starts listening the service gives back its start-up garbage (`releaseStartupMemory`). */
const RELEASE_MEMORY_AFTER_MS = 500;

/** The connector service: builds the registry, starts gRPC and metrics, and returns a handle to stop it. */
export const ConnectorService = {
  /** Starts the service; resolves once it listens. */
  async run(options: ConnectorServiceOptions = {}): Promise<ServiceHandle> {
    const env = options.env ?? process.env;
    const cwd = options.cwd ?? process.cwd();
    const logger = options.logger ?? createLogger();
    const registry = new ConnectorRegistry();
    const loaded = await loadAll(options, cwd, env, logger);
    const serverSecrets = new ServerSecrets({ directory: options.secretsDir ?? DEFAULTS.secretsDir, env });
    const metricsRegistry = new Registry();
    const metrics = new ServiceMetrics(metricsRegistry);
    const guard = guardConnectors(loaded.loaded, {
      stallThresholdMs: options.stallThresholdMs ?? DEFAULTS.stallThresholdMs,
      isolate: options.isolate ?? false,
      heapMib: options.isolateHeapMib ?? DEFAULTS.isolateHeapMib,
      packages: loaded.packages,
      modules: options.modules ?? [],
      cwd,
      env,
      logger,
      serverSecret: (key) => serverSecrets.get(key),
      metrics,
    });
    for (const { connector, source } of guard.connectors) registry.register(connector, source);

    const connectors = uniqueConnectors(registry);
    const connectorEnv: ConnectorEnvironment = { logger, env, serverSecret: (key) => serverSecrets.get(key) };
    for (const connector of connectors) {
      try {
        await connector.open?.({ ...connectorEnv, logger: logger.child({ connector: connector.name }) });
      } catch (error) {
        throw new Error(
          `Connector '${connector.name}' failed to open: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    serverSecrets.startWatching();
    serverSecrets.onChange((keys) => {
      logger.info({ keys }, 'server secrets changed');
      for (const connector of connectors) connector.onSecretsChanged?.(keys);
    });

    let serving = true;
    const shutdown = new AbortController();
    const dispatcher = new Dispatcher({
      registry,
      metrics,
      limiter: new ConcurrencyLimiter(options.worker ?? DEFAULTS.worker),
      serverSecrets,
      logger,
      env,
      watchdog: guard.watchdog,
    });
    const grpc = await startGrpcServer(
      dispatcher,
      {
        shutdown: shutdown.signal,
        logger,
        budget: new RequestBudget(options.maxInflightRequestBytes ?? DEFAULTS.maxInflightRequestBytes),
      },
      {
        host: options.host ?? DEFAULTS.host,
        port: options.port ?? DEFAULTS.port,
        maxReceiveBytes: options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
        maxSendBytes: options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
        maxConcurrentStreams: options.maxConcurrentStreams ?? DEFAULTS.maxConcurrentStreams,
        maxConnectionIdleMs: options.maxConnectionIdleMs,
        maxConnectionAgeMs: options.maxConnectionAgeMs,
        maxConnectionAgeGraceMs: options.maxConnectionAgeGraceMs,
        tls: options.tls,
      },
    );
    const prometheusPort =
      options.prometheusPort === undefined ? DEFAULTS.prometheusPort : options.prometheusPort;
    const metricsServer =
      prometheusPort === null
        ? undefined
        : await startMetricsServer({
            port: prometheusPort,
            host: options.host ?? DEFAULTS.host,
            registry: metricsRegistry,
            health: () => serving,
            logger,
          });

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    let stopping: Promise<void> | undefined;
    const gracePeriodMs = options.gracePeriodMs ?? DEFAULTS.gracePeriodMs;
    let timeoutTimer: NodeJS.Timeout | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
        const started = Date.now();
        serving = false;
        grpc.setServing(false);
        dispatcher.startDraining();
        logger.info(
          { event: 'draining', inFlight: dispatcher.callsInFlight },
          'draining: new calls are refused',
        );
        await Promise.race([dispatcher.whenIdle(), delay(gracePeriodMs)]);
        if (dispatcher.callsInFlight > 0) {
          logger.warn(
            { inFlight: dispatcher.callsInFlight },
            'grace period over; aborting calls still running',
          );
        }
        shutdown.abort();
        guard.watchdog?.stop();
        // Connector calls are over; only idle connections remain, which need no more than a moment.
        await grpc.shutdown(Math.min(1_000, Math.max(0, gracePeriodMs - (Date.now() - started))));
        for (const connector of connectors) {
          try {
            await connector.close?.();
          } catch (error) {
            logger.error({ connector: connector.name, err: error }, 'connector close failed');
          }
        }
        serverSecrets.stopWatching();
        await metricsServer?.close();
        logger.info({ event: 'stopped' }, 'flyte-connect stopped');
        resolveStopped();
      })();
      return stopping;
    };
    if (options.timeout !== undefined && options.timeout > 0) {
      timeoutTimer = setTimeout(() => void stop(), options.timeout * 1000);
      timeoutTimer.unref();
    }

    guard.watchdog?.start();
    const listing = registry.listConnectors();
    logger.info(
      {
        event: 'serving',
        grpcPort: grpc.port,
        metricsPort: metricsServer?.port,
        services: grpc.services,
        connectors: listing.map((c) => ({
          name: c.name,
          taskTypes: c.categories.map((t) => (t.version === 0 ? t.name : `${t.name}@v${t.version}`)),
          sync: c.isSync,
        })),
        problems: loaded.problems,
      },
      listing.length === 0
        ? 'flyte-connect serving with NO connectors loaded'
        : `flyte-connect serving ${listing.length} connector(s): ${listing.map((c) => c.name).join(', ')}`,
    );
    // Shortly after listening, off the start-up path: collecting before listening would lengthen every start by
    // its ~40-70 ms (on one core), and collecting at once would hold up the first health probe as much. A call
    // arriving in that later moment waits for it once.
    if (options.releaseStartupMemory === true)
      setTimeout(releaseStartupMemory, RELEASE_MEMORY_AFTER_MS).unref();
    return {
      grpcPort: grpc.port,
      metricsPort: metricsServer?.port,
      connectors: listing,
      problems: loaded.problems,
      stop,
      stopped,
    };
  },
};

async function loadAll(
  options: ConnectorServiceOptions,
  cwd: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
) {
  const coreNodeModules = nodeModulesOf(fileURLToPath(import.meta.url));
  const packages =
    options.discover === false
      ? []
      : await discoverConnectorPackages({ searchPaths: defaultSearchPaths(cwd, coreNodeModules) });
  const result = await loadConnectors({ packages, modules: [...(options.modules ?? [])], cwd, logger, env });
  const explicit = (options.connectors ?? []).map((connector) => ({ connector, source: 'programmatic' }));
  return { loaded: [...result.loaded, ...explicit], problems: result.problems, packages };
}

/** The node_modules directory an installed core lives in, if any (so a global install finds its siblings). */
function nodeModulesOf(file: string): string | undefined {
  let dir = dirname(file);
  while (dirname(dir) !== dir) {
    if (dir.endsWith('/node_modules') || dir.endsWith('\\node_modules')) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

function uniqueConnectors(registry: ConnectorRegistry): Connector[] {
  return registry.connectors().map((registered) => registered.connector);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
