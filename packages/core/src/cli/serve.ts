import { Command, Option } from 'commander';
import type { Level } from 'pino';
import { createLogger } from '../logging.js';
import { ConnectorService, type ServiceHandle } from '../service/connector-service.js';
import { collectModules, integerOption, parseSeconds } from './options.js';

interface ServeOptions {
  port: number;
  prometheusPort: number;
  prometheus_port?: number;
  worker: number;
  timeout?: number;
  modules?: string[];
  host: string;
  secretsDir: string;
  tlsCert?: string;
  tlsKey?: string;
  maxMessageSize: number;
  maxInflightRequestSize: number;
  maxConcurrentStreams: number;
  maxConnectionIdle?: number;
  maxConnectionAge?: number;
  maxConnectionAgeGrace?: number;
  gracePeriod: number;
  discover: boolean;
  logLevel: Level;
  stallThreshold: number;
  isolate?: boolean;
  isolateHeapMib: number;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the installed connectors over gRPC (Flyte 1 and Flyte 2 protocols on one port).')
    .addOption(integerOption('-p, --port <port>', 'gRPC port', 'FLYTE_CONNECTOR_PORT').default(8000))
    .addOption(
      integerOption(
        '--prometheus-port <port>',
        'Prometheus /metrics and /healthz port',
        'FLYTE_CONNECTOR_PROMETHEUS_PORT',
      ).default(9090),
    )
    .addOption(
      integerOption(
        '--prometheus_port <port>',
        'alias of --prometheus-port (Python servers)',
        'IGNORED_ALIAS',
      ).hideHelp(),
    )
    .addOption(
      integerOption(
        '-w, --worker <n>',
        'most connector calls running at once; the excess waits',
        'FLYTE_CONNECTOR_WORKER',
        1,
      ).default(10),
    )
    .addOption(
      new Option('-t, --timeout <seconds>', 'stop the server after this many seconds (for tests)')
        .env('FLYTE_CONNECTOR_TIMEOUT')
        .argParser(parseSeconds),
    )
    .addOption(
      new Option(
        '-m, --modules <module>',
        'extra connector module to load: a path or package specifier (repeatable)',
      )
        .env('FLYTE_CONNECTOR_MODULES')
        .argParser(collectModules),
    )
    .addOption(new Option('--host <host>', 'address to bind').env('FLYTE_CONNECTOR_HOST').default('0.0.0.0'))
    .addOption(
      new Option('--secrets-dir <dir>', 'directory of mounted server secrets (Flyte 1 style)')
        .env('FLYTE_CONNECTOR_SECRETS_DIR')
        .default('/etc/secrets'),
    )
    .addOption(
      new Option('--tls-cert <file>', 'serve TLS with this PEM certificate chain').env(
        'FLYTE_CONNECTOR_TLS_CERT',
      ),
    )
    .addOption(new Option('--tls-key <file>', 'private key for --tls-cert').env('FLYTE_CONNECTOR_TLS_KEY'))
    .addOption(
      integerOption(
        '--max-message-size <MiB>',
        'largest gRPC message accepted or sent',
        'FLYTE_CONNECTOR_MAX_MESSAGE_MIB',
        1,
      ).default(64),
    )
    .addOption(
      integerOption(
        '--max-inflight-request-size <MiB>',
        'most request bytes handled at once; beyond it calls are refused with RESOURCE_EXHAUSTED (0: no bound)',
        'FLYTE_CONNECTOR_MAX_INFLIGHT_REQUEST_MIB',
      ).default(64),
    )
    .addOption(
      integerOption(
        '--max-concurrent-streams <n>',
        'most concurrent calls per client connection',
        'FLYTE_CONNECTOR_MAX_CONCURRENT_STREAMS',
        1,
      ).default(1000),
    )
    .addOption(
      new Option('--max-connection-idle <seconds>', 'close connections that carried no call for this long')
        .env('FLYTE_CONNECTOR_MAX_CONNECTION_IDLE')
        .argParser(parseSeconds),
    )
    .addOption(
      new Option(
        '--max-connection-age <seconds>',
        'close connections after this long so that clients rebalance over replicas',
      )
        .env('FLYTE_CONNECTOR_MAX_CONNECTION_AGE')
        .argParser(parseSeconds),
    )
    .addOption(
      new Option(
        '--max-connection-age-grace <seconds>',
        'time calls get to finish on a connection closed for its age',
      )
        .env('FLYTE_CONNECTOR_MAX_CONNECTION_AGE_GRACE')
        .argParser(parseSeconds),
    )
    .addOption(
      new Option('--grace-period <seconds>', 'time in-flight calls get to finish on SIGTERM')
        .env('FLYTE_CONNECTOR_GRACE_PERIOD')
        .argParser(parseSeconds)
        .default(30),
    )
    .addOption(
      integerOption(
        '--stall-threshold <ms>',
        'warn, naming the connector responsible, when the event loop is blocked this long (0: off)',
        'FLYTE_CONNECTOR_STALL_THRESHOLD_MS',
      ).default(200),
    )
    .addOption(
      new Option(
        '--isolate',
        'run each connector package or module in a worker thread of its own, so that one that blocks, crashes ' +
          'or runs out of memory cannot stall or take down the others (env: FLYTE_CONNECTOR_ISOLATE=true)',
      ),
    )
    .addOption(
      integerOption(
        '--isolate-heap-mib <MiB>',
        'with --isolate: heap cap of each worker; a worker reaching it is named in the log and restarted',
        'FLYTE_CONNECTOR_ISOLATE_HEAP_MIB',
        16,
      ).default(512),
    )
    .addOption(new Option('--no-discover', 'do not load installed packages that declare "flyte.connectors"'))
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
        .env('LOG_LEVEL')
        .default('info'),
    )
    .action(async (options: ServeOptions) => {
      if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
        throw new Error('--tls-cert and --tls-key must be given together.');
      }
      const logger = createLogger({ level: options.logLevel });
      // One connector's stray failure must not take the others down: log it and keep serving.
      process.on('unhandledRejection', (reason) =>
        logger.error({ err: reason }, 'unhandled promise rejection (ignored)'),
      );
      process.on('uncaughtException', (error) =>
        logger.error({ err: error }, 'uncaught exception (ignored)'),
      );
      // Listen before starting: a SIGTERM that arrives while the service starts up must still drain, not kill.
      const started: { service?: ServiceHandle; stopRequested?: boolean } = {};
      const onSignal = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'stop requested');
        started.stopRequested = true;
        void started.service?.stop();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      const service = await ConnectorService.run({
        port: options.port,
        prometheusPort: options.prometheus_port ?? options.prometheusPort,
        worker: options.worker,
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
        modules: options.modules ?? [],
        host: options.host,
        secretsDir: options.secretsDir,
        ...(options.tlsCert !== undefined && options.tlsKey !== undefined
          ? { tls: { certFile: options.tlsCert, keyFile: options.tlsKey } }
          : {}),
        maxMessageBytes: options.maxMessageSize * 1024 * 1024,
        maxInflightRequestBytes: options.maxInflightRequestSize * 1024 * 1024,
        maxConcurrentStreams: options.maxConcurrentStreams,
        maxConnectionIdleMs: secondsToMs(options.maxConnectionIdle),
        maxConnectionAgeMs: secondsToMs(options.maxConnectionAge),
        maxConnectionAgeGraceMs: secondsToMs(options.maxConnectionAgeGrace),
        gracePeriodMs: options.gracePeriod * 1000,
        discover: options.discover,
        stallThresholdMs: options.stallThreshold,
        // A boolean flag's commander env support would turn FLYTE_CONNECTOR_ISOLATE=false on; read it here.
        isolate: options.isolate ?? envFlag('FLYTE_CONNECTOR_ISOLATE'),
        isolateHeapMib: options.isolateHeapMib,
        // The process is the service's own, so an idle replica can give back what start-up used.
        releaseStartupMemory: true,
        logger,
      });
      started.service = service;
      if (started.stopRequested === true) void service.stop();
      await service.stopped;
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    });
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

/** A true/false environment variable; unset or empty is false, anything but true/false/1/0 is refused. */
function envFlag(name: string): boolean {
  const value = process.env[name]?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new Error(`${name} must be true or false, got '${process.env[name]}'.`);
}
