// A Flyte 1 client as propeller would use it: grpc-js with the official `flyteidl/service/agent.proto` from the
// `@flyteorg/flyteidl` npm package, loaded at run time by proto-loader. Shares no code with the server.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  status as Status,
  type CallOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** proto-loader messages are plain objects; the tests read them loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
export type V1Message = Record<string, Loose>;

/** `protos/` of @flyteorg/flyteidl and the root of google-proto-files (for google/api/annotations.proto). */
export const FLYTEIDL_PROTOS = join(dirname(require.resolve('@flyteorg/flyteidl/package.json')), 'protos');
export const GOOGLE_PROTOS = dirname(require.resolve('google-proto-files/package.json'));

/**
 * keepCase: field names as in the .proto (snake_case, like propeller's Go structs); int64 as strings, enums as
 * names; defaults filled in, so that an absent field reads as its zero value; `oneofs` names the set member.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [FLYTEIDL_PROTOS, GOOGLE_PROTOS],
};

interface RawUnaryClient {
  close(): void;
  [method: string]: Loose;
}

let cachedPackage: Loose;
function flyteidlPackage(): Loose {
  cachedPackage ??= loadPackageDefinition(loadSync('flyteidl/service/agent.proto', LOADER_OPTIONS));
  return cachedPackage;
}

export interface CallSettings {
  /** Per-call deadline in ms from now. Default 10 s (propeller's default). */
  readonly timeoutMs?: number;
}

/** A gRPC error with a readable message for assertions. */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

export interface SyncCallResult {
  readonly responses: V1Message[];
  readonly status: StatusObject;
}

export class Flyte1Client {
  private readonly asyncService: RawUnaryClient;
  private readonly syncService: RawUnaryClient;
  private readonly metadataService: RawUnaryClient;

  constructor(readonly port: number) {
    const pkg = flyteidlPackage();
    const address = `127.0.0.1:${port}`;
    const insecure = credentials.createInsecure();
    // A fresh connection per client: tests that stop a service must not share sockets with other tests.
    const options = { 'grpc.use_local_subchannel_pool': 1 };
    this.asyncService = new pkg.flyteidl.service.AsyncAgentService(address, insecure, options);
    this.syncService = new pkg.flyteidl.service.SyncAgentService(address, insecure, options);
    this.metadataService = new pkg.flyteidl.service.AgentMetadataService(address, insecure, options);
  }

  createTask(request: V1Message, settings?: CallSettings): Promise<V1Message> {
    return this.unary(this.asyncService, 'CreateTask', request, settings);
  }

  getTask(request: V1Message, settings?: CallSettings): Promise<V1Message> {
    return this.unary(this.asyncService, 'GetTask', request, settings);
  }

  deleteTask(request: V1Message, settings?: CallSettings): Promise<V1Message> {
    return this.unary(this.asyncService, 'DeleteTask', request, settings);
  }

  getTaskMetrics(request: V1Message, settings?: CallSettings): Promise<V1Message> {
    return this.unary(this.asyncService, 'GetTaskMetrics', request, settings);
  }

  /** Server streaming: resolves with every message once the stream ended with OK. */
  getTaskLogs(request: V1Message, settings?: CallSettings): Promise<V1Message[]> {
    const call = this.asyncService['GetTaskLogs'](
      request,
      callOptions(settings),
    ) as ClientReadableStream<V1Message>;
    return new Promise((resolve, reject) => {
      const messages: V1Message[] = [];
      call.on('data', (message: V1Message) => messages.push(message));
      call.on('error', reject);
      call.on('end', () => resolve(messages));
    });
  }

  listAgents(settings?: CallSettings): Promise<V1Message> {
    return this.unary(this.metadataService, 'ListAgents', {}, settings);
  }

  getAgent(name: string, settings?: CallSettings): Promise<V1Message> {
    return this.unary(this.metadataService, 'GetAgent', { name }, settings);
  }

  /**
   * ExecuteTaskSync exactly as propeller drives it: send the header, then the inputs, close the sending side, then
   * read. Resolves with every response received and the final status (so that tests can check there was exactly
   * one); rejects with the ServiceError when the call ends with a non-OK status.
   */
  executeTaskSync(
    header: { template: V1Message; output_prefix: string; task_execution_metadata?: V1Message },
    inputs: V1Message,
    settings?: CallSettings,
  ): Promise<SyncCallResult> {
    const call = this.syncService['ExecuteTaskSync'](callOptions(settings)) as ClientDuplexStream<
      V1Message,
      V1Message
    >;
    return new Promise((resolve, reject) => {
      const responses: V1Message[] = [];
      let failed = false;
      call.on('data', (message: V1Message) => responses.push(message));
      call.on('error', (error) => {
        failed = true;
        reject(error);
      });
      call.on('status', (status: StatusObject) => {
        if (!failed && status.code === Status.OK) resolve({ responses, status });
      });
      call.write({ header });
      call.write({ inputs });
      call.end();
    });
  }

  close(): void {
    this.asyncService.close();
    this.syncService.close();
    this.metadataService.close();
  }

  private unary(client: RawUnaryClient, method: string, request: V1Message, settings?: CallSettings) {
    return new Promise<V1Message>((resolve, reject) => {
      client[method](request, callOptions(settings), (error: ServiceError | null, response: V1Message) => {
        if (error !== null) reject(error);
        else resolve(response);
      });
    });
  }
}

function callOptions(settings?: CallSettings): CallOptions {
  return { deadline: Date.now() + (settings?.timeoutMs ?? 10_000) };
}

/** Runs a call that must fail and returns its ServiceError. */
export async function serviceError(call: Promise<unknown>): Promise<ServiceError> {
  try {
    const response = await call;
    throw new Error(`expected the call to fail, but it succeeded with ${JSON.stringify(response)}`);
  } catch (error) {
    if (isServiceError(error)) return error;
    throw error;
  }
}
