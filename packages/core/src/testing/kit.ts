import { randomUUID } from 'node:crypto';
import { clone, create, type JsonValue } from '@bufbuild/protobuf';
import type { CreateTaskInput, TaskReference } from '../client/types.js';
import { isSyncConnector, type Connector, type ProtocolFamily, type TaskCategory } from '../connector.js';
import { ConnectorError, type ErrorKind } from '../errors.js';
import { TaskExecutionMetadataSchema, type Resource } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { ResourceType } from '../gen/v2/flyteidl2/core/identifier_pb.js';
import { TaskTemplateSchema } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import type { NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
import { valuesToLiterals, variableTypes } from '../literals/index.js';
import { isTerminalPhase, phaseFromNumber, type TaskPhase } from '../phase.js';
import { decodeEnvelope } from '../service/envelope.js';
import type { AcceptanceConnection, JobControl } from './harness.js';
import type { ResolvedOptions } from './options.js';
import { KitService, type LogSink, type ServiceOverrides } from './service.js';

/** The outcome of one call: its value, or how it failed (with a ready-made problem description). */
export type Call<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly kind: ErrorKind; readonly message: string; readonly problem: string };

/** The parts of a GetTask answer the checks look at. */
export interface ResourceView {
  /** Undefined when the service answered UNDEFINED (0), which Flyte clients treat as an error. */
  readonly phase: TaskPhase | undefined;
  readonly message: string;
  readonly outputs: readonly NamedLiteral[] | undefined;
}

/** A task the kit created: what it sent and what Flyte would keep for GetTask and DeleteTask. */
export interface CreatedTask {
  readonly family: ProtocolFamily;
  readonly input: CreateTaskInput;
  readonly reference: TaskReference;
  /** The connector's metadata inside core's resource_meta envelope (null for a sync connector). */
  readonly meta: JsonValue;
}

/** The parts of a create request a check may change. */
export interface InputChanges {
  readonly template?: CreateTaskInput['template'];
  readonly connection?: AcceptanceConnection | undefined;
  /** Reuse the execution metadata of another request (a retried CreateTask of the same attempt). */
  readonly metadata?: CreateTaskInput['metadata'];
}

/** Thrown inside a check to report it as skipped (it does not apply to this connector). */
export class SkipCheck extends Error {}

/** Thrown inside a check when the harness cannot support it; the check fails with this message. */
export class HarnessProblem extends Error {}

/** A text the connector or service produced, kept for the leak scan. */
export interface RecordedText {
  readonly where: string;
  readonly text: string;
}

let executionCounter = 0;

/**
 * What every check works with: the running service, calls that never throw (they return a {@link Call}), the
 * harness's task and jobs, and a record of everything callers could see, for the leak scan.
 */
export class Kit {
  readonly recorded: RecordedText[] = [];
  readonly category: TaskCategory;

  constructor(
    readonly options: ResolvedOptions,
    readonly service: KitService,
    readonly logs: LogSink,
  ) {
    const template = options.harness.task().template;
    this.category = { name: template.type, version: template.taskTypeVersion };
  }

  get harness() {
    return this.options.harness;
  }

  /** The connector instance the main service serves. */
  get connector(): Connector {
    return this.service.connector;
  }

  get isSync(): boolean {
    return isSyncConnector(this.connector);
  }

  get families(): readonly ProtocolFamily[] {
    return this.options.families;
  }

  /** The harness's job control; a check that needs it is skipped for sync connectors. */
  jobs(): JobControl {
    if (this.isSync) throw new SkipCheck('the connector is synchronous: it has no jobs to drive');
    if (this.harness.jobs === undefined)
      throw new HarnessProblem('the harness has no `jobs` control, which asynchronous connectors need');
    return this.harness.jobs;
  }

  /** The backend's id of a created task's job. */
  jobId(task: CreatedTask): string {
    return this.jobs().idOf(task.meta);
  }

  /** A CreateTask request for the harness's task, with a fresh task execution identity unless told otherwise. */
  newInput(changes: InputChanges = {}): CreateTaskInput {
    const task = this.harness.task();
    const template = changes.template ?? task.template;
    const connection = 'connection' in changes ? changes.connection : task.connection;
    executionCounter += 1;
    const executionName = `kit-${randomUUID().slice(0, 8)}-${executionCounter}`;
    return {
      template,
      inputs: Array.isArray(task.inputs)
        ? (task.inputs as readonly NamedLiteral[])
        : inputLiterals(task.inputs as Readonly<Record<string, unknown>>, template),
      outputPrefix: `s3://acceptance-kit/${executionName}/n0/0`,
      metadata: changes.metadata ?? executionMetadata(executionName, template.type),
      connection:
        connection === undefined
          ? undefined
          : { secrets: { ...connection.secrets }, configs: { ...connection.configs } },
    };
  }

  /** A deep copy of the harness's template, for checks that take parts of it away. */
  templateCopy(): CreateTaskInput['template'] {
    return clone(TaskTemplateSchema, this.harness.task().template);
  }

  async create(
    family: ProtocolFamily,
    input: CreateTaskInput = this.newInput(),
    service: KitService = this.service,
  ): Promise<Call<CreatedTask>> {
    const call = await this.attempt(family, 'CreateTask', () => service.clients[family].create(input));
    if (!call.ok) return call;
    const bytes = call.value;
    this.record(`[${family}] resource_meta`, Buffer.from(bytes).toString('utf8'));
    let meta: JsonValue;
    try {
      meta = decodeEnvelope(bytes).meta;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, kind: 'INTERNAL', message, problem: `[${family}] CreateTask returned ${message}` };
    }
    const reference: TaskReference = {
      category: this.category,
      resourceMeta: bytes,
      outputPrefix: input.outputPrefix,
      connection: input.connection,
    };
    return { ok: true, value: { family, input, reference, meta } };
  }

  /** GetTask, by default on the family the task was created with. */
  async get(
    task: CreatedTask,
    family: ProtocolFamily = task.family,
    service: KitService = this.service,
  ): Promise<Call<ResourceView>> {
    const call = await this.attempt(family, 'GetTask', () => service.clients[family].get(task.reference));
    if (!call.ok) return call;
    this.record(`[${family}] GetTask resource`, visibleText(call.value));
    return { ok: true, value: viewOf(call.value) };
  }

  /** DeleteTask, by default on the family the task was created with. */
  async delete(
    task: CreatedTask,
    family: ProtocolFamily = task.family,
    reference: TaskReference = task.reference,
  ): Promise<Call<void>> {
    return this.attempt(family, 'DeleteTask', () => this.service.clients[family].delete(reference));
  }

  /** Polls GetTask like a Flyte client until the phase is terminal; a failure or a timeout is a problem. */
  async pollTerminal(task: CreatedTask, family: ProtocolFamily = task.family): Promise<Call<ResourceView>> {
    const deadline = Date.now() + this.options.terminalTimeoutMs;
    for (;;) {
      const call = await this.get(task, family);
      if (!call.ok) return call;
      const phase = call.value.phase;
      if (phase !== undefined && isTerminalPhase(phase)) return call;
      if (Date.now() > deadline) {
        const message = `no terminal phase within ${this.options.terminalTimeoutMs} ms (last: ${phase ?? 'UNDEFINED'})`;
        return { ok: false, kind: 'DEADLINE_EXCEEDED', message, problem: `[${family}] GetTask: ${message}` };
      }
      await delay(this.options.pollIntervalMs);
    }
  }

  /** Runs `work` against a separate service started without some service-level sources. */
  async withService<T>(overrides: ServiceOverrides, work: (service: KitService) => Promise<T>): Promise<T> {
    const service = await KitService.start({
      harness: this.harness,
      logs: this.logs,
      callTimeoutMs: this.options.callTimeoutMs,
      overrides,
    });
    try {
      return await work(service);
    } finally {
      this.record('metrics of a secondary service', await service.metricsText().catch(() => ''));
      await service.stop();
    }
  }

  /** Keeps a text callers could see, for the leak scan. */
  record(where: string, text: string): void {
    if (text !== '') this.recorded.push({ where, text });
  }

  private async attempt<T>(family: ProtocolFamily, rpc: string, fn: () => Promise<T>): Promise<Call<T>> {
    try {
      return { ok: true, value: await fn() };
    } catch (error) {
      const kind: ErrorKind = ConnectorError.is(error) ? error.kind : 'INTERNAL';
      const message = error instanceof Error ? error.message : String(error);
      this.record(`[${family}] ${rpc} error`, message);
      return { ok: false, kind, message, problem: `[${family}] ${rpc} failed with ${kind}: ${message}` };
    }
  }
}

/** The task's inputs as literals, converted by the declared input types as a Flyte client would send them. */
function inputLiterals(
  values: Readonly<Record<string, unknown>>,
  template: CreateTaskInput['template'],
): NamedLiteral[] {
  try {
    return valuesToLiterals(values, variableTypes(template.interface?.inputs?.variables));
  } catch (error) {
    throw new HarnessProblem(
      `the harness's task inputs do not fit the template's declared inputs: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function executionMetadata(executionName: string, taskType: string) {
  return create(TaskExecutionMetadataSchema, {
    taskExecutionId: {
      taskId: {
        resourceType: ResourceType.TASK,
        project: 'acceptance',
        domain: 'development',
        name: `acceptance.${taskType}`,
        version: 'v1',
      },
      nodeExecutionId: {
        nodeId: 'n0',
        executionId: { project: 'acceptance', domain: 'development', name: executionName },
      },
      retryAttempt: 0,
    },
    namespace: 'acceptance-development',
    labels: { 'execution-id': executionName },
    maxAttempts: 1,
  });
}

function viewOf(resource: Resource): ResourceView {
  return {
    phase: phaseFromNumber(resource.phase),
    message: resource.message,
    outputs: resource.outputs?.literals,
  };
}

/** Everything a resource shows a user (message, outputs, log links, custom info) as one searchable text. */
function visibleText(resource: Resource): string {
  return JSON.stringify(resource, (_key, value: unknown) =>
    typeof value === 'bigint'
      ? value.toString()
      : value instanceof Uint8Array
        ? Buffer.from(value).toString('latin1')
        : value,
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
