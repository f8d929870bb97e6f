import { toBinary } from '@bufbuild/protobuf';
import type { Connection } from '../gen/v2/flyteidl2/core/security_pb.js';
import type { TaskTemplate } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import {
  ResourceSchema,
  type TaskExecutionMetadata,
  type Resource as ResourceMessage,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import {
  isSyncConnector,
  type AnyAsyncConnector,
  type Connector,
  type CreateContext,
  type OperationContext,
  type ProtocolFamily,
  type TaskCategory,
} from '../connector.js';
import {
  BackendUnavailableError,
  ConnectorError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnimplementedError,
} from '../errors.js';
import { declaredOutputTypes, literalsToValues } from '../literals/index.js';
import type { Logger } from '../logger.js';
import { isTerminalPhase, phaseFromNumber } from '../phase.js';
import type { ConnectorListing, ConnectorRegistry } from '../registry.js';
import type { LogPage, LogsQuery, MetricResult, MetricsQuery, Resource } from '../resource.js';
import type { ServerSecrets } from '../secrets/server-secrets.js';
import { resolveParams, type ParamSourceValues } from '../spec/resolve.js';
import type { CallMeter, ServiceMetrics, Operation } from '../metrics/index.js';
import type { StallWatchdog } from '../isolation/stall-watchdog.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.js';
import { executionInfo } from './execution-info.js';
import type { ConcurrencyLimiter } from './limiter.js';
import { lazyLogger, redactingLogger, redactText } from './redact.js';
import { toResourceMessage } from './resource-message.js';

/** One incoming call, whatever protocol family it arrived on. */
export interface CallOptions {
  readonly protocol: ProtocolFamily;
  /** Aborted on the caller's deadline, on cancellation and on forced shutdown; the reason is a ConnectorError. */
  readonly signal: AbortSignal;
}

export interface CreateRequestData {
  readonly template: TaskTemplate | undefined;
  readonly inputs: readonly NamedLiteral[];
  /** Serialized size of the inputs, for `flyte_connector_input_literal_bytes`. */
  readonly inputBytes: number;
  readonly outputPrefix: string;
  readonly metadata: TaskExecutionMetadata | undefined;
  readonly connection: Connection | undefined;
}

export interface TaskRequestData {
  readonly category: TaskCategory;
  readonly resourceMeta: Uint8Array;
  readonly outputPrefix: string;
  readonly connection: Connection | undefined;
}

export interface DispatcherOptions {
  readonly registry: ConnectorRegistry;
  readonly metrics: ServiceMetrics;
  readonly limiter: ConcurrencyLimiter;
  readonly serverSecrets: ServerSecrets;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** Times connector methods and tracks calls in flight, to name a connector that blocks the event loop. */
  readonly watchdog?: StallWatchdog | undefined;
}

interface CallScope {
  secrets: string[];
  connectorName: string;
  readonly taskType: string;
  readonly operation: Operation;
}

/** Failures during GetTask that describe the backend, not the task: Flyte should keep polling, not fail. */
const TRANSIENT_GET_FAILURES = new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED']);
const MAX_ERROR_MESSAGE = 2_000;
/** The secrets and configs of a call without a connection (every Flyte 1 call): one shared, frozen object. */
const NONE: Readonly<Record<string, string>> = Object.freeze({});
/** The parameters of a connector that declares none. */
const NO_PARAMS: Record<string, never> = Object.freeze({});

/**
 * The protocol-neutral heart of the service: routes a call to its connector, resolves parameters and inputs,
 * bounds concurrency, isolates connector failures and records metrics. The gRPC adapters only translate messages.
 */
export class Dispatcher {
  private draining = false;
  private listing: ConnectorListing[] | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  get callsInFlight(): number {
    return this.inFlight;
  }

  /** Refuses new connector calls from now on (UNAVAILABLE, so that clients retry on another replica). */
  startDraining(): void {
    this.draining = true;
  }

  /** Resolves when no connector call is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** ListAgents / ListConnectors: answered from memory, never queued behind connector calls (clients poll it). */
  listConnectors(_protocol: ProtocolFamily): readonly ConnectorListing[] {
    const timer = this.options.metrics.startCall('', 'list');
    this.listing ??= this.options.registry.listConnectors();
    timer.succeed();
    return this.listing;
  }

  describeConnector(name: string, _protocol: ProtocolFamily): ConnectorListing {
    const timer = this.options.metrics.startCall('', 'get_connector');
    this.listing ??= this.options.registry.listConnectors();
    const found = this.listing.find((listing) => listing.name === name);
    if (found === undefined) {
      const error = new NotFoundError(
        `Cannot find connector named '${name}'. Available: ${this.listing.map((l) => `'${l.name}'`).join(', ') || 'none'}.`,
      );
      timer.fail(error.kind);
      throw error;
    }
    timer.succeed();
    return found;
  }

  // The public methods return run()'s promise instead of being async themselves: an async function returning a
  // promise adds one more promise and two microtask turns to every call.
  create(request: CreateRequestData, call: CallOptions): Promise<Uint8Array> {
    const template = request.template;
    const taskType = template?.type ?? '';
    // Taken once the context is built, so that the request (its literals, execution metadata, connection) is not
    // held while the connector works: with thousands of slow creates in flight that is kilobytes per call.
    let pending: CreateRequestData | undefined = request;
    const take = (): CreateRequestData => {
      const data = pending;
      pending = undefined;
      if (data === undefined) throw new InternalError('CreateTask request used twice.');
      return data;
    };
    const inputBytes = request.inputBytes;
    return this.run('create', taskType, call, async (scope) => {
      if (template === undefined) throw new InvalidArgumentError('CreateTaskRequest.template is missing.');
      const { connector } = this.lookup({ name: template.type, version: template.taskTypeVersion });
      scope.connectorName = connector.name;
      this.options.metrics.observeInputBytes(taskType, inputBytes);
      const ctx = await this.createContext(connector, template, take(), call, scope);
      if (isSyncConnector(connector)) {
        const resource = await this.doSync(connector, ctx, scope);
        const bytes = encodeEnvelope(null, [], resource);
        this.assertNoSecrets(bytes, scope, 'resource_meta');
        return bytes;
      }
      const meta = await this.invoke(scope, () => connector.create(ctx));
      const bytes = encodeEnvelope(
        connector.metaCodec.toJson(meta),
        template.interface?.outputs?.variables ?? [],
      );
      this.assertNoSecrets(bytes, scope, 'resource_meta');
      return bytes;
    });
  }

  /** Flyte 1's ExecuteTaskSync: runs a sync connector and returns its terminal resource. */
  executeSync(request: CreateRequestData, call: CallOptions): Promise<ResourceMessage> {
    const template = request.template;
    return this.run('do', template?.type ?? '', call, async (scope) => {
      if (template === undefined)
        throw new InvalidArgumentError('ExecuteTaskSync header.template is missing.');
      const { connector } = this.lookup({ name: template.type, version: template.taskTypeVersion });
      scope.connectorName = connector.name;
      if (!isSyncConnector(connector)) {
        throw new FailedPreconditionError(
          `Connector '${connector.name}' for task type ${template.type} is asynchronous; call AsyncAgentService.CreateTask instead of ExecuteTaskSync.`,
        );
      }
      this.options.metrics.observeInputBytes(template.type, request.inputBytes);
      const ctx = await this.createContext(connector, template, request, call, scope);
      const resource = await this.doSync(connector, ctx, scope);
      this.assertNoSecrets(toBinary(ResourceSchema, resource), scope, 'the task resource');
      return resource;
    });
  }

  get(request: TaskRequestData, call: CallOptions): Promise<ResourceMessage> {
    return this.run('get', request.category.name, call, async (scope) => {
      const { connector } = this.lookup(request.category);
      scope.connectorName = connector.name;
      const envelope = decodeEnvelope(request.resourceMeta);
      if (envelope.syncResource !== undefined) return envelope.syncResource;
      const asyncConnector = this.asAsync(connector, 'GetTask');
      const meta = this.decodeMeta(asyncConnector, envelope);
      // Polled for every running task: without parameters to resolve, the context is built without an await.
      const pending = this.operationContext(connector, request, envelope, call, scope, 'get');
      const ctx = pending instanceof Promise ? await pending : pending;
      let resource: Resource;
      try {
        resource = await this.invoke(scope, () => asyncConnector.get(meta, ctx));
      } catch (error) {
        const transient = this.transientGetResource(error, call.signal, scope);
        if (transient === undefined) throw error;
        ctx.logger.warn({ err: error }, 'backend failure during get reported as RUNNING');
        resource = transient;
      }
      return toResourceMessage(resource, envelope.outputTypes, connector.name);
    });
  }

  delete(request: TaskRequestData, call: CallOptions): Promise<void> {
    return this.run('delete', request.category.name, call, async (scope) => {
      const { connector } = this.lookup(request.category);
      scope.connectorName = connector.name;
      const envelope = decodeEnvelope(request.resourceMeta);
      if (envelope.syncResource !== undefined) return; // the work finished inside CreateTask
      const asyncConnector = this.asAsync(connector, 'DeleteTask');
      const meta = this.decodeMeta(asyncConnector, envelope);
      const ctx = await this.operationContext(connector, request, envelope, call, scope, 'delete');
      await this.invoke(scope, () => asyncConnector.delete(meta, ctx));
    });
  }

  getMetrics(
    request: TaskRequestData,
    query: MetricsQuery,
    call: CallOptions,
  ): Promise<readonly MetricResult[]> {
    return this.run('get_metrics', request.category.name, call, async (scope) => {
      const { connector } = this.lookup(request.category);
      scope.connectorName = connector.name;
      const asyncConnector = this.asAsync(connector, 'GetTaskMetrics');
      if (asyncConnector.getMetrics === undefined) {
        throw new UnimplementedError(`Connector '${connector.name}' does not provide task metrics.`);
      }
      const envelope = decodeEnvelope(request.resourceMeta);
      const meta = this.decodeMeta(asyncConnector, envelope);
      const ctx = await this.operationContext(connector, request, envelope, call, scope, 'get_metrics');
      const getMetrics = asyncConnector.getMetrics.bind(asyncConnector);
      return this.invoke(scope, () => getMetrics(meta, query, ctx));
    });
  }

  /** Streams log pages; each page is delivered through `onPage` while the worker slot is held. */
  getLogs(
    request: TaskRequestData,
    query: LogsQuery,
    call: CallOptions,
    onPage: (page: LogPage) => Promise<void>,
  ): Promise<void> {
    return this.run('get_logs', request.category.name, call, async (scope) => {
      const { connector } = this.lookup(request.category);
      scope.connectorName = connector.name;
      const asyncConnector = this.asAsync(connector, 'GetTaskLogs');
      if (asyncConnector.getLogs === undefined) {
        throw new UnimplementedError(`Connector '${connector.name}' does not provide task logs.`);
      }
      const envelope = decodeEnvelope(request.resourceMeta);
      const meta = this.decodeMeta(asyncConnector, envelope);
      const ctx = await this.operationContext(connector, request, envelope, call, scope, 'get_logs');
      const getLogs = asyncConnector.getLogs.bind(asyncConnector);
      const pages = this.invoke(scope, () => getLogs(meta, query, ctx));
      for await (const page of this.options.watchdog?.timeIterable(scope, pages) ?? pages) {
        if (call.signal.aborted) break;
        await onPage({
          lines: page.lines.map((line) => redactText(line, scope.secrets)),
          ...(page.token === undefined ? {} : { token: page.token }),
        });
      }
    });
  }

  private lookup(category: TaskCategory): { connector: Connector } {
    return this.options.registry.lookup(category);
  }

  private asAsync(connector: Connector, rpc: string): AnyAsyncConnector {
    if (isSyncConnector(connector)) {
      throw new FailedPreconditionError(
        `Connector '${connector.name}' is synchronous and its ${rpc} needs resource_meta returned by CreateTask.`,
      );
    }
    return connector;
  }

  private decodeMeta(connector: AnyAsyncConnector, envelope: Envelope): unknown {
    return connector.metaCodec.fromJson(envelope.meta);
  }

  /** Runs a connector method, timing its synchronous part when stall detection is on. */
  private invoke<T>(scope: CallScope, method: () => T): T {
    const watchdog = this.options.watchdog;
    return watchdog === undefined ? method() : watchdog.timeSync(scope, method);
  }

  private async doSync(
    connector: Connector & { do: (ctx: CreateContext) => Promise<Resource> },
    ctx: CreateContext,
    scope: CallScope,
  ) {
    const resource = await this.invoke(scope, () => connector.do(ctx));
    const message = toResourceMessage(resource, ctx.outputTypes, connector.name);
    const phase = phaseFromNumber(message.phase);
    if (phase === undefined || !isTerminalPhase(phase)) {
      throw new InternalError(
        `Sync connector '${connector.name}' returned the non-terminal phase ${resource.phase}.`,
      );
    }
    return message;
  }

  private async createContext(
    connector: Connector,
    template: TaskTemplate,
    request: CreateRequestData,
    call: CallOptions,
    scope: CallScope,
  ): Promise<CreateContext> {
    const secrets = request.connection?.secrets ?? NONE;
    const configs = request.connection?.configs ?? NONE;
    pushSecretValues(scope, secrets);
    const params = await resolveParams(
      connector.spec.params,
      this.paramSources(secrets, configs, template),
      true,
    );
    scope.secrets.push(...params.secretValues);
    const variables = template.interface?.inputs?.variables;
    return {
      signal: call.signal,
      logger: this.callLogger(connector, 'create', scope),
      protocol: call.protocol,
      taskCategory: { name: template.type, version: template.taskTypeVersion },
      secrets,
      configs,
      outputPrefix: request.outputPrefix,
      template,
      inputs: literalsToValues(request.inputs, variables),
      outputTypes: declaredOutputTypes(template.interface?.outputs?.variables),
      execution: executionInfo(request.metadata),
      params: params.values as CreateContext['params'],
    };
  }

  private operationContext(
    connector: Connector,
    request: TaskRequestData,
    envelope: Envelope,
    call: CallOptions,
    scope: CallScope,
    operation: Operation,
  ): OperationContext | Promise<OperationContext> {
    const secrets = request.connection?.secrets ?? NONE;
    const configs = request.connection?.configs ?? NONE;
    pushSecretValues(scope, secrets);
    // Most connectors declare no parameters; they skip the resolver and its promises on every poll.
    if (!hasParams(connector.spec.params)) {
      return this.contextWith(NO_PARAMS, connector, request, envelope, call, scope, operation);
    }
    return resolveParams(connector.spec.params, this.paramSources(secrets, configs), false).then((params) => {
      scope.secrets.push(...params.secretValues);
      return this.contextWith(params.values, connector, request, envelope, call, scope, operation);
    });
  }

  private contextWith(
    params: Record<string, unknown>,
    connector: Connector,
    request: TaskRequestData,
    envelope: Envelope,
    call: CallOptions,
    scope: CallScope,
    operation: Operation,
  ): OperationContext {
    return {
      signal: call.signal,
      logger: this.callLogger(connector, operation, scope),
      protocol: call.protocol,
      taskCategory: request.category,
      secrets: request.connection?.secrets ?? NONE,
      configs: request.connection?.configs ?? NONE,
      outputPrefix: request.outputPrefix,
      params: params as OperationContext['params'],
      outputTypes: envelope.outputTypes,
    };
  }

  private paramSources(
    secrets: Readonly<Record<string, string>>,
    configs: Readonly<Record<string, string>>,
    template?: TaskTemplate,
  ): ParamSourceValues {
    return {
      custom: template?.custom,
      config: template?.config,
      connectionSecrets: secrets,
      connectionConfigs: configs,
      env: this.options.env,
      serverSecret: (key) => this.options.serverSecrets.get(key),
    };
  }

  private callLogger(connector: Connector, operation: Operation, scope: CallScope): Logger {
    return lazyLogger(() =>
      redactingLogger(this.options.logger.child({ connector: connector.name, operation }), scope.secrets),
    );
  }

  /** A last line of defence: resource_meta is persisted by Flyte, so a secret in it would be a leak. */
  private assertNoSecrets(bytes: Uint8Array, scope: CallScope, what: string): void {
    if (scope.secrets.length === 0) return;
    const text = Buffer.from(bytes).toString('utf8');
    if (scope.secrets.some((secret) => secret.length >= 4 && text.includes(secret))) {
      throw new InternalError(
        `Connector '${scope.connectorName}' tried to put a secret value into ${what}; refused.`,
      );
    }
  }

  private transientGetResource(error: unknown, signal: AbortSignal, scope: CallScope): Resource | undefined {
    if (signal.aborted || !ConnectorError.is(error) || !TRANSIENT_GET_FAILURES.has(error.kind))
      return undefined;
    return {
      phase: 'RUNNING',
      message: `The backend is temporarily unreachable (${truncate(redactText(error.message, scope.secrets))}); will retry.`,
    };
  }

  /**
   * Wraps a connector call with draining, the worker limit, signal racing, isolation and metrics. Not async: a call
   * that finds a free worker slot (the usual case) goes straight to `execute`, whose one promise both races the
   * signal and settles the call; an async frame and a separate race promise cost every GetTask about 1 KB.
   */
  private run<T>(
    operation: Operation,
    taskType: string,
    call: CallOptions,
    work: (scope: CallScope) => Promise<T>,
  ): Promise<T> {
    const timer = this.options.metrics.startCall(taskType, operation);
    const scope: CallScope = { secrets: [], connectorName: '', taskType, operation };
    if (this.draining) {
      const error = new BackendUnavailableError(
        'The connector service is shutting down; retry on another replica.',
      );
      timer.fail(error.kind);
      return Promise.reject(error);
    }
    if (!call.signal.aborted && this.options.limiter.tryAcquire()) {
      this.options.metrics.observeQueueWait(operation, 0);
      return this.execute(timer, scope, call, work);
    }
    return this.waitForSlot(timer, scope, call).then(() => this.execute(timer, scope, call, work));
  }

  /** Queues for a worker slot, recording how long the call waited. */
  private async waitForSlot(timer: CallMeter, scope: CallScope, call: CallOptions): Promise<void> {
    const queuedAt = performance.now();
    try {
      await this.options.limiter.acquire(call.signal);
    } catch (error) {
      const mapped = this.normalize(error, call.signal, scope, scope.operation);
      timer.fail(mapped.kind);
      throw mapped;
    }
    this.options.metrics.observeQueueWait(scope.operation, (performance.now() - queuedAt) / 1000);
  }

  /**
   * Runs the work in a held worker slot. Settles with the work, or as soon as the signal fires, so that a connector
   * that ignores its signal cannot hold the caller past its deadline (nor the slot); whatever the abandoned work
   * does later is ignored.
   */
  private execute<T>(
    timer: CallMeter,
    scope: CallScope,
    call: CallOptions,
    work: (scope: CallScope) => Promise<T>,
  ): Promise<T> {
    this.inFlight += 1;
    this.options.watchdog?.callStarted(scope);
    const signal = call.signal;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const end = (): boolean => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        this.options.limiter.release();
        this.options.watchdog?.callEnded(scope);
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolveIdle of this.idleWaiters.splice(0)) resolveIdle();
        return true;
      };
      const fail = (error: unknown) => {
        if (!end()) return;
        const mapped = this.normalize(error, signal, scope, scope.operation);
        if (mapped.kind === 'INTERNAL') {
          this.options.logger.error(
            {
              connector: scope.connectorName,
              operation: scope.operation,
              err: redactError(error, scope.secrets),
            },
            'connector call failed',
          );
        }
        timer.fail(mapped.kind);
        reject(mapped);
      };
      const onAbort = () => fail(abortError(signal));
      // No `{ once: true }`: a signal aborts only once, and the options object is one more allocation per call.
      signal.addEventListener('abort', onAbort);
      work(scope).then((value) => {
        if (!end()) return;
        timer.succeed();
        resolve(value);
      }, fail);
    });
  }

  /** Every failure leaves here as a ConnectorError with a safe message: no stack, no secret. */
  private normalize(
    error: unknown,
    signal: AbortSignal,
    scope: CallScope,
    operation: Operation,
  ): ConnectorError {
    if (signal.aborted && ConnectorError.is(signal.reason)) return signal.reason;
    if (ConnectorError.is(error)) {
      // Connector errors often quote vendor responses, which may echo a credential.
      error.message = truncate(redactText(error.message, scope.secrets));
      return error;
    }
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const who = scope.connectorName === '' ? 'the service' : `connector '${scope.connectorName}'`;
    return new InternalError(
      `Unexpected failure in ${who} during ${operation}: ${truncate(redactText(text, scope.secrets))}`,
      {
        cause: error,
      },
    );
  }
}

function hasParams(specs: object): boolean {
  for (const _ in specs) return true;
  return false;
}

function pushSecretValues(scope: CallScope, secrets: Readonly<Record<string, string>>): void {
  for (const key in secrets) scope.secrets.push(secrets[key]!);
}

function truncate(text: string): string {
  return text.length <= MAX_ERROR_MESSAGE ? text : `${text.slice(0, MAX_ERROR_MESSAGE)}…`;
}

function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return redactText(String(error), secrets);
  return {
    type: error.name,
    message: redactText(error.message, secrets),
    stack: redactText(error.stack ?? '', secrets),
  };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new InternalError('The call was aborted.');
}
