import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary, type JsonObject } from '@bufbuild/protobuf';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { createGrpcClient } from '../client/grpc-client.js';
import { createInProcessClient } from '../client/in-process-client.js';
import type { ConnectorClient } from '../client/types.js';
import type { Connector } from '../connector.js';
import { TaskEngine } from '../engine/task-engine.js';
import type { FinalPhase } from '../engine/phase-mapping.js';
import type { FinalReason } from '../engine/types.js';
import { InvalidArgumentError, type ConnectorError } from '../errors.js';
import type { Resource } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { TaskTemplate } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import { OutputsSchema, type NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import { literalToValue, variableTypes } from '../literals/index.js';
import type { Logger } from '../logger.js';
import { createLogger } from '../logging.js';
import type { TaskPhase } from '../phase.js';
import type { TaskLogLink } from '../resource.js';
import { jitteredBackoff } from './backoff.js';
import { localExecutionMetadata } from './execution-metadata.js';
import { inputsToLiterals } from './inputs.js';

/** Exit codes of `flyte-connect run`, also in {@link RunResult.exitCode}. */
export const RUN_EXIT_CODES = {
  /** the task succeeded */
  succeeded: 0,
  /** the task failed: FAILED, ABORTED or RETRYABLE_FAILED reported by the connector */
  taskFailed: 1,
  /** the command line or the task file is wrong (nothing was created) */
  usage: 2,
  /** the connector or service failed: a gRPC error that is not a task failure (CreateTask failed, GetTask kept failing, an unreadable phase or outputs) */
  serviceError: 3,
  /** interrupted by Ctrl-C, SIGTERM or the timeout; DeleteTask was sent first */
  interrupted: 130,
} as const;

/** One of the {@link RUN_EXIT_CODES}. */
export type RunExitCode = (typeof RUN_EXIT_CODES)[keyof typeof RUN_EXIT_CODES];

/** Where and how to run one task. Give exactly one of `client`, `connectors` and `endpoint`. */
export interface RunTaskOptions {
  /** The task, in the Flyte 2 shape (see `readTaskFile` for reading one from a file). */
  readonly template: TaskTemplate;
  /**
   * Input values by name, converted by the template's declared input types: the JS values of the connector value
   * model, plus what JSON can express (integers as numbers or strings of digits, bytes as base64).
   */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** A client you made (left open afterwards). */
  readonly client?: ConnectorClient;
  /** Connectors to run in-process, through the same dispatcher the service uses. */
  readonly connectors?: readonly Connector[];
  /** `host:port` of a running connector service. */
  readonly endpoint?: string;
  /** Protocol family for `endpoint`. Default `v2`. */
  readonly protocol?: 'v1' | 'v2';
  /** TLS for `endpoint`; plaintext by default. */
  readonly credentials?: ChannelCredentials;
  /**
   * Per-request secrets, sent as `connection.secrets` (Flyte 2 and in-process). Flyte 1 has no such field:
   * giving secrets with protocol `v1` is refused, since they must live with the server.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Per-request configs, sent as `connection.configs` (Flyte 2 and in-process). */
  readonly configs?: Readonly<Record<string, string>>;
  /** `output_prefix` sent to the connector. Default: a fresh temporary directory (removed afterwards if empty). */
  readonly outputPrefix?: string;
  /** Execution name in the task execution metadata. Default: `local-<random>`, unique per run. */
  readonly executionName?: string;
  /** Time between GetTask calls. Default 1000 ms. After a failed GetTask, a jittered exponential backoff applies. */
  readonly pollIntervalMs?: number;
  /** Abort (DeleteTask) after this long. Default: none. */
  readonly timeoutMs?: number;
  /** Per-call deadline. Default 10 s. */
  readonly callTimeoutMs?: number;
  /** GetTask failures in a row after which the run fails. Default 5, as Flyte. */
  readonly maxGetFailures?: number;
  /** Aborts the run (DeleteTask once created). */
  readonly signal?: AbortSignal;
  /** Called on each step, synchronously. */
  readonly onProgress?: (event: RunProgress) => void;
  /** In-process only: the environment connectors see. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** In-process only: Flyte 1 style mounted secrets. Default `/etc/secrets`. */
  readonly secretsDir?: string;
  /** In-process only: the connectors' logger. Default: warnings and errors as JSON on stderr. */
  readonly logger?: Logger;
}

/** What happened, for progress displays. `elapsedMs` counts from the start of the run. */
export type RunProgress =
  | {
      /** CreateTask succeeded. */
      readonly type: 'created';
      /** Milliseconds since the run started. */
      readonly elapsedMs: number;
    }
  | {
      /** A GetTask answered (every poll, also when nothing changed). */
      readonly type: 'update';
      /** Milliseconds since the run started. */
      readonly elapsedMs: number;
      /** The phase the connector reported. */
      readonly phase: TaskPhase;
      /** Whether it differs from the previous poll's phase (true for the first). */
      readonly phaseChanged: boolean;
      /** The connector's message ('' when none). */
      readonly message: string;
      /** The connector's log links. */
      readonly logLinks: readonly TaskLogLink[];
      /** The whole GetTask answer. */
      readonly resource: Resource;
    }
  | {
      /** A GetTask failed; the run fails once `consecutiveFailures` reaches `maxFailures`. */
      readonly type: 'get-error';
      /** Milliseconds since the run started. */
      readonly elapsedMs: number;
      /** The GetTask error. */
      readonly error: ConnectorError;
      /** GetTask failures in a row, this one included. */
      readonly consecutiveFailures: number;
      /** The failures in a row after which the run fails. */
      readonly maxFailures: number;
    }
  | {
      /** The run is being aborted: DeleteTask is on its way. */
      readonly type: 'aborting';
      /** Milliseconds since the run started. */
      readonly elapsedMs: number;
      /** What aborted it: the caller's signal or the run's timeout. */
      readonly cause: 'signal' | 'timeout';
    };

/** How the run ended. */
export interface RunResult {
  /** The final phase. */
  readonly phase: FinalPhase;
  /** Why the run ended. */
  readonly reason: FinalReason;
  /** The connector's message, or what went wrong. */
  readonly message: string;
  /** Output values (converted by the declared output types) of a succeeded task; undefined otherwise. */
  readonly outputs: Readonly<Record<string, unknown>> | undefined;
  /** Set when the outputs could not be read or did not match their declared types. */
  readonly outputsError: string | undefined;
  /** The connector's log links from the last GetTask. */
  readonly logLinks: readonly TaskLogLink[];
  /** The connector's `custom_info` from the last GetTask. */
  readonly customInfo: JsonObject | undefined;
  /** The last resource GetTask returned. */
  readonly resource: Resource | undefined;
  /** What CreateTask returned; undefined when the task was never created. */
  readonly resourceMeta: Uint8Array | undefined;
  /** The error behind `create-failed` / `get-failures`, or the DeleteTask error of an abort. */
  readonly error: ConnectorError | undefined;
  /** Set when the run was aborted: by the signal or by the timeout. */
  readonly interrupted: 'signal' | 'timeout' | undefined;
  /** For an aborted run: whether DeleteTask succeeded. */
  readonly deleted: boolean;
  /** The output prefix the task ran with. */
  readonly outputPrefix: string;
  /** How long the run took, in milliseconds. */
  readonly durationMs: number;
  /** What `flyte-connect run` exits with (see {@link RUN_EXIT_CODES}). */
  readonly exitCode: RunExitCode;
}

const DEFAULT_POLL_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/**
 * Runs one task to the end, like flytekit's and flyte-sdk's local test mixins: CreateTask, GetTask until a final
 * phase, then the outputs. Unlike them it backs off with jitter after a failed GetTask (instead of sleeping a fixed
 * interval), gives up after `maxGetFailures` failures in a row as Flyte does, and on abort (signal or timeout)
 * sends DeleteTask before returning.
 *
 * Runs through the {@link TaskEngine} with one task and a short resync interval, in-process or over gRPC.
 *
 * @throws InvalidArgumentError before anything is created, for a wrong combination of options or inputs that do
 *   not fit the declared types. Everything after that is reported in the result, never thrown.
 */
export async function runTask(options: RunTaskOptions): Promise<RunResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const targets = [options.client, options.connectors, options.endpoint].filter((t) => t !== undefined);
  if (targets.length !== 1) {
    throw new InvalidArgumentError('runTask needs exactly one of `client`, `connectors` and `endpoint`.');
  }
  const family =
    options.client?.protocol ?? (options.endpoint !== undefined ? (options.protocol ?? 'v2') : 'in-process');
  const hasConnection =
    Object.keys(options.secrets ?? {}).length + Object.keys(options.configs ?? {}).length > 0;
  if (family === 'v1' && hasConnection) {
    throw new InvalidArgumentError(
      'Flyte 1 (protocol v1) has no per-request secrets or configs: they must live with the server ' +
        '(environment variables _FSEC_<KEY> or files in its --secrets-dir). Use protocol v2 to send them.',
    );
  }
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const literals = inputsToLiterals(options.inputs ?? {}, options.template);

  const client = options.client ?? makeClient(options);
  const ownPrefix = options.outputPrefix === undefined;
  const outputPrefix = options.outputPrefix ?? (await mkdtemp(join(tmpdir(), 'flyte-connect-run-')));
  const engine = new TaskEngine({
    client,
    resyncMs: pollIntervalMs,
    workers: 1,
    ...(options.maxGetFailures === undefined ? {} : { maxGetFailures: options.maxGetFailures }),
    ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
    getRetryDelayMs: jitteredBackoff({ baseMs: Math.max(pollIntervalMs, 200), maxMs: MAX_BACKOFF_MS }),
  });
  const maxFailures = options.maxGetFailures ?? 5;
  const report = options.onProgress ?? (() => undefined);
  engine.on('created', () => report({ type: 'created', elapsedMs: elapsed() }));
  engine.on('update', ({ phase, previousPhase, resource }) =>
    report({
      type: 'update',
      elapsedMs: elapsed(),
      phase,
      phaseChanged: phase !== previousPhase,
      message: resource.message,
      logLinks: logLinksOf(resource),
      resource,
    }),
  );
  engine.on('getError', (_task, error, consecutiveFailures) =>
    report({ type: 'get-error', elapsedMs: elapsed(), error, consecutiveFailures, maxFailures }),
  );

  const connection =
    family === 'v1' || !hasConnection
      ? undefined
      : { secrets: { ...options.secrets }, configs: { ...options.configs } };
  const task = engine.submit({
    template: options.template,
    inputs: literals,
    outputPrefix,
    metadata: localExecutionMetadata(
      options.template,
      options.executionName ?? `local-${randomBytes(4).toString('hex')}`,
    ),
    connection,
  });

  let interrupted: 'signal' | 'timeout' | undefined;
  const interrupt = (cause: 'signal' | 'timeout') => {
    if (interrupted !== undefined || task.state === 'done') return;
    interrupted = cause;
    report({ type: 'aborting', elapsedMs: elapsed(), cause });
    void task.abort();
  };
  const onAbort = () => interrupt('signal');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  const timer =
    options.timeoutMs === undefined ? undefined : setTimeout(() => interrupt('timeout'), options.timeoutMs);

  try {
    const final = await task.done;
    const outputs =
      final.phase === 'SUCCEEDED'
        ? await readOutputs(final.resource, options.template, outputPrefix)
        : undefined;
    const result = {
      phase: final.phase,
      reason: final.reason,
      message: final.message,
      outputs: outputs?.values,
      outputsError: outputs?.error,
      logLinks: final.resource === undefined ? [] : logLinksOf(final.resource),
      customInfo: final.resource?.customInfo,
      resource: final.resource,
      resourceMeta: final.resourceMeta,
      error: final.error,
      interrupted: final.reason === 'aborted' ? (interrupted ?? 'signal') : undefined,
      deleted: final.deleted,
      outputPrefix,
      durationMs: elapsed(),
    };
    return { ...result, exitCode: exitCodeOf(result) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    engine.close();
    if (options.client === undefined) client.close();
    if (ownPrefix) await removeIfEmpty(outputPrefix);
  }
}

/** The exit code of a finished run (see {@link RUN_EXIT_CODES}). */
export function exitCodeOf(result: Pick<RunResult, 'phase' | 'reason' | 'outputsError'>): RunExitCode {
  switch (result.reason) {
    case 'aborted':
      return RUN_EXIT_CODES.interrupted;
    case 'create-failed':
    case 'get-failures':
    case 'bad-phase':
      return RUN_EXIT_CODES.serviceError;
    case 'completed':
      if (result.phase !== 'SUCCEEDED') return RUN_EXIT_CODES.taskFailed;
      return result.outputsError === undefined ? RUN_EXIT_CODES.succeeded : RUN_EXIT_CODES.serviceError;
  }
}

function makeClient(options: RunTaskOptions): ConnectorClient {
  if (options.endpoint !== undefined) {
    return createGrpcClient({
      endpoint: options.endpoint,
      protocol: options.protocol ?? 'v2',
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      ...(options.callTimeoutMs === undefined ? {} : { timeoutMs: options.callTimeoutMs }),
    });
  }
  return createInProcessClient({
    connectors: options.connectors ?? [],
    env: options.env ?? process.env,
    ...(options.secretsDir === undefined ? {} : { secretsDir: options.secretsDir }),
    logger: options.logger ?? createLogger({ level: 'warn', destination: process.stderr }),
    ...(options.callTimeoutMs === undefined ? {} : { timeoutMs: options.callTimeoutMs }),
  });
}

function logLinksOf(resource: Resource): TaskLogLink[] {
  return resource.logLinks.map((link) => ({ name: link.name, uri: link.uri }));
}

/**
 * The outputs of a succeeded task: `Resource.outputs`, or, as Flyte does when those are absent and the task
 * declares outputs, `<output_prefix>/outputs.pb` written by the connector itself (readable when the prefix is a
 * local path). A `LiteralMap` and Flyte 2 `Outputs` are the same on the wire.
 */
async function readOutputs(
  resource: Resource | undefined,
  template: TaskTemplate,
  outputPrefix: string,
): Promise<{ values?: Record<string, unknown>; error?: string }> {
  const declared = template.interface?.outputs?.variables ?? [];
  let literals: readonly NamedLiteral[] = resource?.outputs?.literals ?? [];
  if (literals.length === 0 && declared.length > 0) {
    const path = localPath(outputPrefix);
    if (path !== undefined) {
      try {
        literals = fromBinary(OutputsSchema, await readFile(join(path, 'outputs.pb'))).literals;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          return { error: `Cannot read ${join(path, 'outputs.pb')}: ${(error as Error).message}` };
        }
      }
    }
  }
  const types = variableTypes(declared);
  try {
    const entries = literals.map(({ name, value }): [string, unknown] => {
      if (value === undefined) throw new Error(`output '${name}' has no value`);
      return [name, literalToValue(value, types.get(name), name, { role: 'output' })];
    });
    return { values: Object.fromEntries(entries) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function localPath(prefix: string): string | undefined {
  if (prefix.startsWith('file://')) return fileURLToPath(prefix);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(prefix) ? undefined : prefix;
}

async function removeIfEmpty(directory: string): Promise<void> {
  try {
    if ((await readdir(directory)).length === 0) await rmdir(directory);
  } catch {
    // Best effort: a temporary directory left behind is harmless.
  }
}
