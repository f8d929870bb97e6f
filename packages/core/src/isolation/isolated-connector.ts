import type { JsonValue } from '@bufbuild/protobuf';
import {
  AsyncConnector,
  SyncConnector,
  isSyncConnector,
  type AnyAsyncConnector,
  type AnySyncConnector,
  type CallContext,
  type Connector,
  type ConnectorEnvironment,
  type CreateContext,
  type OperationContext,
  type TaskCategoryInput,
} from '../connector.js';
import type { ResourceMetaCodec } from '../meta-codec.js';
import type { LogPage, LogsQuery, MetricResult, Resource } from '../resource.js';
import type { ConnectorSpec } from '../spec/types.js';
import type { TransferredContext } from './protocol.js';
import { WorkerStartError, type CallPayload, type HostCall, type WorkerHost } from './worker-host.js';

/**
 * The main thread's stand-in for a connector that runs in a worker thread. It carries the original's metadata
 * (name, categories, spec: the same objects, so listings are identical) and forwards every method to the worker.
 * Core's own work (parameter resolution, literal conversion, the resource_meta envelope, redaction, metrics) stays
 * on the main thread, exactly as without isolation.
 */
export function isolatedConnector(original: Connector, host: WorkerHost, index: number): Connector {
  return isSyncConnector(original)
    ? new IsolatedSyncConnector(original, host, index)
    : new IsolatedAsyncConnector(original, host, index);
}

class IsolatedAsyncConnector extends AsyncConnector<JsonValue> {
  readonly name: string;
  readonly taskCategory: TaskCategoryInput | readonly TaskCategoryInput[];
  readonly spec: ConnectorSpec;
  readonly metaCodec: ResourceMetaCodec<JsonValue>;
  override readonly idempotentCreate: boolean;

  constructor(
    original: AnyAsyncConnector,
    private readonly host: WorkerHost,
    private readonly index: number,
  ) {
    super();
    this.name = original.name;
    this.taskCategory = original.taskCategory;
    this.spec = original.spec;
    this.idempotentCreate = original.idempotentCreate;
    // The worker's create returns the codec's JSON already, and its get/delete decode the JSON themselves. The
    // original codec still validates here, so a bad resource_meta fails at the same point with the same error.
    this.metaCodec = {
      toJson: (meta) => meta,
      fromJson: (value) => {
        original.metaCodec.fromJson(value);
        return value;
      },
    };
    // Optional methods exist only when the original has them: core answers UNIMPLEMENTED otherwise.
    if (original.getMetrics !== undefined) {
      this.getMetrics = (meta, query, ctx) =>
        forward(this.host, this.index, this.spec, 'getMetrics', 'get_metrics', ctx, {
          meta,
          metricsQuery: query,
        }) as Promise<readonly MetricResult[]>;
    }
    if (original.getLogs !== undefined) {
      this.getLogs = (meta, query: LogsQuery, ctx) =>
        this.host.stream(
          this.index,
          { context: transferable(ctx), meta, logsQuery: query },
          hostCall(ctx, this.spec),
        ) as AsyncIterable<LogPage>;
    }
  }

  async create(ctx: CreateContext): Promise<JsonValue> {
    return forward(this.host, this.index, this.spec, 'create', 'create', ctx) as Promise<JsonValue>;
  }

  async get(meta: JsonValue, ctx: OperationContext): Promise<Resource> {
    return forward(this.host, this.index, this.spec, 'get', 'get', ctx, { meta }) as Promise<Resource>;
  }

  async delete(meta: JsonValue, ctx: OperationContext): Promise<void> {
    await forward(this.host, this.index, this.spec, 'delete', 'delete', ctx, { meta });
  }

  override async open(_env: ConnectorEnvironment): Promise<void> {
    await openInWorker(this.host, this.index);
  }

  override async close(): Promise<void> {
    await this.host.closeConnector(this.index);
  }

  override onSecretsChanged(keys: readonly string[]): void {
    this.host.secretsChanged(this.index, keys);
  }
}

class IsolatedSyncConnector extends SyncConnector {
  readonly name: string;
  readonly taskCategory: TaskCategoryInput | readonly TaskCategoryInput[];
  readonly spec: ConnectorSpec;

  constructor(
    original: AnySyncConnector,
    private readonly host: WorkerHost,
    private readonly index: number,
  ) {
    super();
    this.name = original.name;
    this.taskCategory = original.taskCategory;
    this.spec = original.spec;
  }

  async do(ctx: CreateContext): Promise<Resource> {
    return forward(this.host, this.index, this.spec, 'do', 'do', ctx) as Promise<Resource>;
  }

  override async open(_env: ConnectorEnvironment): Promise<void> {
    await openInWorker(this.host, this.index);
  }

  override async close(): Promise<void> {
    await this.host.closeConnector(this.index);
  }

  override onSecretsChanged(keys: readonly string[]): void {
    this.host.secretsChanged(this.index, keys);
  }
}

/**
 * The worker opens all of its module's connectors at start-up, in order. For connector `index` this resolves when
 * its own `open()` succeeded, and throws what its `open()` threw, so that the service reports it as it would
 * without isolation.
 */
async function openInWorker(host: WorkerHost, index: number): Promise<void> {
  try {
    await host.start();
  } catch (error) {
    if (error instanceof WorkerStartError && error.connector !== undefined) {
      if (error.connector > index) return;
      if (error.connector === index) throw error.reason;
    }
    throw error;
  }
}

/** Forwards one unary connector method to the worker, with the context it can carry and the call's secrets. */
function forward(
  host: WorkerHost,
  index: number,
  spec: ConnectorSpec,
  method: Parameters<WorkerHost['call']>[1],
  operation: string,
  ctx: CreateContext | OperationContext,
  payload: Omit<CallPayload, 'context'> = {},
): Promise<unknown> {
  return host.call(index, method, operation, { ...payload, context: transferable(ctx) }, hostCall(ctx, spec));
}

/** The context without what cannot cross threads; the worker makes its own signal and logger. */
function transferable(ctx: CreateContext | OperationContext): TransferredContext {
  const base = {
    protocol: ctx.protocol,
    taskCategory: ctx.taskCategory,
    secrets: ctx.secrets,
    configs: ctx.configs,
    outputPrefix: ctx.outputPrefix,
    params: ctx.params,
    outputTypes: ctx.outputTypes,
  };
  return 'template' in ctx
    ? { ...base, template: ctx.template, inputs: ctx.inputs, execution: ctx.execution, params: ctx.params }
    : base;
}

/** The call's main-thread side, with its secret values (connection secrets and secret parameters). */
function hostCall(
  ctx: CallContext & { readonly params: Readonly<Record<string, unknown>> },
  spec: ConnectorSpec,
): HostCall {
  const secrets = Object.values(ctx.secrets);
  for (const [name, param] of Object.entries(spec.params)) {
    const value = ctx.params[name];
    if (param.secret === true && value !== undefined && value !== null)
      secrets.push(typeof value === 'string' ? value : JSON.stringify(value));
  }
  return { signal: ctx.signal, logger: ctx.logger, secrets };
}
