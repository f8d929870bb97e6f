import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import {
  formatTaskCategory,
  isSyncConnector,
  taskCategoriesOf,
  type AnyAsyncConnector,
  type Connector,
  type CreateContext,
  type OperationContext,
} from '../connector.js';
import { InternalError } from '../errors.js';
import type { Logger } from '../logger.js';
import { connectorsFromModule } from '../plugin.js';
import type { LogPage } from '../resource.js';
import { fromTransferredError, toTransferredError } from './error-transfer.js';
import type {
  CallMessage,
  ExpectedConnector,
  FromWorker,
  PullResult,
  ToWorker,
  WorkerSetup,
} from './protocol.js';
import { remoteLogger } from './remote-logger.js';
import { StallWatchdog, type WatchedCall } from './stall-watchdog.js';

/** A running call: its signal's controller and, for GetTaskLogs, the open page iterator. */
interface RunningCall {
  readonly controller: AbortController;
  readonly watched: WatchedCall;
  iterator?: AsyncIterator<LogPage>;
}

/**
 * The worker side of an isolated connector module: imports the module, checks that it yields the connectors the
 * main thread registered, opens them, then runs the calls the main thread forwards. Uncaught exceptions are left
 * to end the thread (the main thread names the module and restarts it): after one, the module's state cannot be
 * trusted, which is the point of isolating it.
 */
export async function runConnectorWorker(port: MessagePort, setup: WorkerSetup): Promise<void> {
  const post = (message: FromWorker): void => port.postMessage(message);
  const secretRequests = new Map<number, (value: string | undefined) => void>();
  let nextSecretRequest = 0;
  const serverSecret = (key: string): Promise<string | undefined> =>
    new Promise((resolve) => {
      const id = ++nextSecretRequest;
      secretRequests.set(id, resolve);
      post({ type: 'server-secret', id, key });
    });
  const connectorLogger = (connector: number | undefined, call?: number): Logger =>
    remoteLogger((record) => post({ type: 'log', connector: connector ?? -1, call, ...record }));

  // The main process logs and ignores these; an isolated module gets the same treatment.
  process.on('unhandledRejection', (reason) =>
    connectorLogger(undefined).error({ err: reason }, 'unhandled promise rejection (ignored)'),
  );

  let connectors: Connector[];
  try {
    const moduleExports = (await import(pathToFileURL(setup.modulePath).href)) as Record<string, unknown>;
    connectors = connectorsFromModule(moduleExports, { env: process.env });
    checkSameConnectors(connectors, setup);
  } catch (error) {
    post({ type: 'start-failed', connector: undefined, error: toTransferredError(error) });
    return;
  }
  for (const [index, connector] of connectors.entries()) {
    try {
      await connector.open?.({ logger: connectorLogger(index), env: process.env, serverSecret });
    } catch (error) {
      post({ type: 'start-failed', connector: index, error: toTransferredError(error) });
      return;
    }
  }

  const watchdog =
    setup.stallThresholdMs > 0
      ? new StallWatchdog({
          thresholdMs: setup.stallThresholdMs,
          onStall: (report) => post({ type: 'stall', report }),
        })
      : undefined;
  watchdog?.start();
  const timed = <T>(watched: WatchedCall, invoke: () => T): T =>
    watchdog === undefined ? invoke() : watchdog.timeSync(watched, invoke);
  const running = new Map<number, RunningCall>();
  const finish = (id: number): void => {
    const call = running.get(id);
    if (call === undefined) return;
    running.delete(id);
    watchdog?.callEnded(call.watched);
  };
  const reply = (id: number, value: unknown): void => {
    try {
      port.postMessage({ type: 'result', id, value } satisfies FromWorker);
    } catch (error) {
      // Functions, class instances with private state, ...: structured clone refuses them.
      post({
        type: 'error',
        id,
        error: toTransferredError(
          new InternalError(
            `The connector returned a value that cannot be passed to the service's main thread: ${
              error instanceof Error ? error.message : String(error)
            }`,
          ),
        ),
      });
    }
  };
  const fail = (id: number, error: unknown): void =>
    post({ type: 'error', id, error: toTransferredError(error) });

  const runCall = async (message: CallMessage): Promise<void> => {
    const connector = connectors[message.connector]!;
    const watched: WatchedCall = {
      connectorName: connector.name,
      taskType: message.context.taskCategory.name,
      operation: message.operation,
    };
    const call: RunningCall = { controller: new AbortController(), watched };
    running.set(message.id, call);
    watchdog?.callStarted(watched);
    const ctx = {
      ...message.context,
      signal: call.controller.signal,
      logger: connectorLogger(message.connector, message.id),
    };
    try {
      if (message.method === 'getLogs') {
        const iterable = timed(watched, () =>
          asAsync(connector).getLogs!(
            decode(connector, message),
            message.logsQuery!,
            ctx as OperationContext,
          ),
        );
        call.iterator = timed(watched, () => iterable[Symbol.asyncIterator]());
        reply(message.id, undefined);
        return; // the call lasts until the stream ends
      }
      const value = await timed(watched, () => invoke(connector, message, ctx));
      finish(message.id);
      reply(message.id, value);
    } catch (error) {
      finish(message.id);
      fail(message.id, error);
    }
  };

  const pull = async (id: number, stream: number): Promise<void> => {
    const call = running.get(stream);
    if (call?.iterator === undefined) {
      fail(id, new InternalError('The log stream is closed.'));
      return;
    }
    try {
      const iterator = call.iterator;
      const next = await timed(call.watched, () => iterator.next());
      if (next.done === true) finish(stream);
      reply(
        id,
        (next.done === true ? { done: true } : { done: false, page: next.value }) satisfies PullResult,
      );
    } catch (error) {
      finish(stream);
      fail(id, error);
    }
  };

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'call':
        void runCall(message);
        return;
      case 'abort':
        running.get(message.id)?.controller.abort(fromTransferredError(message.reason));
        return;
      case 'pull':
        void pull(message.id, message.stream);
        return;
      case 'end-stream': {
        const iterator = running.get(message.stream)?.iterator;
        finish(message.stream);
        void iterator?.return?.().catch(() => undefined);
        return;
      }
      case 'secrets-changed':
        try {
          connectors[message.connector]?.onSecretsChanged?.(message.keys);
        } catch (error) {
          connectorLogger(message.connector).error({ err: error }, 'onSecretsChanged failed');
        }
        return;
      case 'close':
        void (async () => connectors[message.connector]?.close?.())().then(
          () => reply(message.id, undefined),
          (error: unknown) => fail(message.id, error),
        );
        return;
      case 'server-secret':
        secretRequests.get(message.id)?.(message.value);
        secretRequests.delete(message.id);
        return;
    }
  });
  post({ type: 'ready' });
}

/** Runs one unary connector method; resource_meta travels as JSON and is decoded by the connector's own codec. */
async function invoke(
  connector: Connector,
  message: CallMessage,
  ctx: CreateContext | OperationContext,
): Promise<unknown> {
  switch (message.method) {
    case 'do':
      if (!isSyncConnector(connector)) throw new InternalError(`Connector '${connector.name}' has no do().`);
      return connector.do(ctx as CreateContext);
    case 'create': {
      const async = asAsync(connector);
      return async.metaCodec.toJson(await async.create(ctx as CreateContext));
    }
    case 'get':
      return asAsync(connector).get(decode(connector, message), ctx);
    case 'delete':
      return asAsync(connector).delete(decode(connector, message), ctx);
    case 'getMetrics':
      return asAsync(connector).getMetrics!(decode(connector, message), message.metricsQuery!, ctx);
    case 'getLogs':
      throw new InternalError('getLogs is a stream');
  }
}

function asAsync(connector: Connector): AnyAsyncConnector {
  if (isSyncConnector(connector)) throw new InternalError(`Connector '${connector.name}' is synchronous.`);
  return connector;
}

function decode(connector: Connector, message: CallMessage): unknown {
  return asAsync(connector).metaCodec.fromJson(message.meta ?? null);
}

/** The module must yield, in the same order, the connectors the main thread listed: calls are routed by index. */
function checkSameConnectors(connectors: readonly Connector[], setup: WorkerSetup): void {
  const actual = connectors.map((connector): ExpectedConnector => ({
    name: connector.name,
    sync: isSyncConnector(connector),
    categories: taskCategoriesOf(connector).map(formatTaskCategory),
  }));
  if (JSON.stringify(actual) !== JSON.stringify(setup.expected)) {
    throw new Error(
      `${setup.source} yields different connectors in the worker thread (${JSON.stringify(actual)}) than in the ` +
        `main thread (${JSON.stringify(setup.expected)}); its plugin's connectors() must not depend on the thread`,
    );
  }
}
