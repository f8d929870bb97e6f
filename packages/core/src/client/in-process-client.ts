import { create, toBinary } from '@bufbuild/protobuf';
import { ConnectionSchema, type Connection } from '../gen/v2/flyteidl2/core/security_pb.js';
import { Registry } from 'prom-client';
import { InputsSchema } from '../gen/v2/flyteidl2/task/common_pb.js';
import type { Connector } from '../connector.js';
import { DeadlineExceededError, CancelledError } from '../errors.js';
import { createLogger } from '../logging.js';
import type { Logger } from '../logger.js';
import { ServiceMetrics } from '../metrics/index.js';
import { ConnectorRegistry } from '../registry.js';
import { ServerSecrets } from '../secrets/server-secrets.js';
import { Dispatcher, type TaskRequestData } from '../service/dispatcher.js';
import { ConcurrencyLimiter } from '../service/limiter.js';
import type { CallOptions, ConnectorClient, CreateTaskInput, TaskReference } from './types.js';

/** Options of {@link createInProcessClient}. */
export interface InProcessClientOptions {
  /** The connectors to call. */
  readonly connectors: readonly Connector[];
  /** The environment parameters and server secrets are read from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory of mounted server secrets (Flyte 1 style). Default `/etc/secrets`. */
  readonly secretsDir?: string;
  /** Where the service's log lines go. Default: warnings and errors to stderr. */
  readonly logger?: Logger;
  /** How many calls run at once. Default 10. */
  readonly worker?: number;
  /** Default per-call deadline in ms. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Calls connectors through the same dispatcher the gRPC service uses (parameter resolution, literal conversion,
 * resource_meta envelope, error mapping), without a network: what `flyte-connect run` uses by default.
 * The connectors' `open()` hooks run on the first call; `close()` runs their `close()` hooks.
 */
export function createInProcessClient(options: InProcessClientOptions): ConnectorClient {
  // stderr by default: callers such as `flyte-connect run --json` own stdout.
  const logger = options.logger ?? createLogger({ level: 'warn', destination: process.stderr });
  const env = options.env ?? process.env;
  const registry = new ConnectorRegistry();
  for (const connector of options.connectors) registry.register(connector, 'in-process');
  const serverSecrets = new ServerSecrets({ directory: options.secretsDir ?? '/etc/secrets', env });
  const dispatcher = new Dispatcher({
    registry,
    metrics: new ServiceMetrics(new Registry(), { defaultMetrics: false }),
    limiter: new ConcurrencyLimiter(options.worker ?? 10),
    serverSecrets,
    logger,
    env,
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  let opened: Promise<void> | undefined;
  const open = () =>
    (opened ??= (async () => {
      for (const { connector } of registry.connectors()) {
        await connector.open?.({
          logger: logger.child({ connector: connector.name }),
          env,
          serverSecret: (k) => serverSecrets.get(k),
        });
      }
    })());

  const withSignal = async <T>(
    callOptions: CallOptions | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    await open();
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new DeadlineExceededError("The call's deadline passed before the connector answered."),
        ),
      callOptions?.timeoutMs ?? timeoutMs,
    );
    const onAbort = () => controller.abort(new CancelledError('The caller cancelled the call.'));
    callOptions?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work(controller.signal);
    } finally {
      clearTimeout(timer);
      callOptions?.signal?.removeEventListener('abort', onAbort);
    }
  };

  return {
    protocol: 'in-process',
    create: (input, callOptions) =>
      withSignal(callOptions, (signal) =>
        dispatcher.create(
          {
            template: input.template,
            inputs: input.inputs,
            inputBytes: toBinary(InputsSchema, {
              $typeName: 'flyteidl2.task.Inputs',
              literals: [...input.inputs],
              context: [],
            }).byteLength,
            outputPrefix: input.outputPrefix,
            metadata: input.metadata,
            connection: connectionOf(input.connection),
          },
          { protocol: 'v2', signal },
        ),
      ),
    get: (task, callOptions) =>
      withSignal(callOptions, (signal) => dispatcher.get(taskData(task), { protocol: 'v2', signal })),
    delete: (task, callOptions) =>
      withSignal(callOptions, (signal) => dispatcher.delete(taskData(task), { protocol: 'v2', signal })),
    list: () =>
      Promise.resolve(
        dispatcher
          .listConnectors('v2')
          .map((c) => ({ name: c.name, categories: c.categories, isSync: c.isSync })),
      ),
    close: () => {
      if (opened === undefined) return;
      // Close hooks run in the background; a failing one is logged, never an unhandled rejection.
      void opened.then(
        async () => {
          for (const { connector } of registry.connectors()) {
            try {
              await connector.close?.();
            } catch (error) {
              logger.error({ connector: connector.name, err: error }, 'connector close failed');
            }
          }
        },
        () => undefined,
      ); // open() failed: the call that awaited it already reported why
    },
  };
}

function connectionOf(connection: CreateTaskInput['connection']): Connection | undefined {
  return connection === undefined ? undefined : create(ConnectionSchema, { ...connection });
}

function taskData(task: TaskReference): TaskRequestData {
  return {
    category: task.category,
    resourceMeta: task.resourceMeta,
    outputPrefix: task.outputPrefix,
    connection: connectionOf(task.connection),
  };
}
